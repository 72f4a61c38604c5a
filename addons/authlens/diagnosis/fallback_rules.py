"""The last response rule (`upstream_error`) and the note on background callers.

No error response is left without a cause: whatever the specific rules did not name is
`upstream_error`, whose hint quotes the upstream's type and code and gives the request ids
its support asks for. Two key defects surface here as non-auth errors: a line break at the
end of a key ends the headers early, so the body is lost (400 "you must provide a model
parameter"); a gateway refuses the header outright ("Illegal header value").

Background callers (the Agents SDK's trace exporter) fail with the app's key for another
provider; `name_background_caller` says which component sent the request, whatever the
cause, so nobody debugs their model call instead.
"""

from __future__ import annotations

import dataclasses
import re

from authlens.diagnosis.evidence import Evidence
from authlens.diagnosis.findings import finding, who_answered
from authlens.diagnosis.hints import plain_header_value, quote_snippet
from authlens.diagnosis.policy_rules import TRACE_EXPORTER, TRACES_PATH, TRACING_KEY, TRACING_OFF
from authlens.exchange import Finding

_NO_MODEL = re.compile(r"\b(?:must provide|missing|required)\b.{0,20}\bmodel\b", re.I)
_BAD_HEADER = re.compile(r"\b(?:illegal|invalid)\s+header\b", re.I)
_KEY_CAUSES = frozenset(
    {
        "missing_credentials",
        "wrong_auth_scheme",
        "empty_key",
        "duplicated_bearer",
        "unexpanded_variable",
        "placeholder_key",
        "quoted_key",
        "whitespace_in_key",
        "masked_key",
        "label_in_key",
        "url_as_key",
        "non_ascii_key",
        "truncated_key",
        "other_provider_key",
        "session_key",
        "malformed_key",
        "invalid_api_key",
        "key_changed_in_transit",
        "unknown_401",
        "admin_key_misuse",
        "key_in_wrong_header",
    }
)


def support_ids(ev: Evidence) -> str:
    """'request id req_..., X-Client-Request-Id ...' as far as known."""
    ids = []
    reply = ev.reply
    if reply is not None and (upstream := plain_header_value(reply.request_id)):
        ids.append(f"request id {upstream}")
    if client := plain_header_value(ev.exchange.request_headers.get("x-client-request-id")):
        ids.append(f"X-Client-Request-Id {client}")
    return ", ".join(ids) or "the time of the request (no request id came back)"


def upstream_error(ev: Evidence) -> Finding | None:
    """Any other error status from the upstream: what it said, and the ids for its support."""
    reply, ex = ev.reply, ev.exchange
    if reply is None or ex.status is None or ex.status < 400:
        return None
    codes = dict.fromkeys(c for c in (reply.error_type, reply.code) if c)
    kind = f" {quote_snippet('/'.join(codes), 60, ev.secrets)}" if codes else ""
    quoted = quote_snippet(reply.message, 100, ev.secrets) if reply.message else ""
    said = f" saying '{quoted}'" if quoted else ""
    ids = support_ids(ev)
    head = f"{who_answered(reply)} answered {ex.status}{kind}{said}"
    if ex.status == 400 and _NO_MODEL.search(reply.message) and not ex.request_body:
        advice = (
            "the request reached it without its body: a line break at the end of the API key "
            "(a CRLF .env, a secret with a trailing newline) ends the headers early and splits "
            "the request; strip it from OPENAI_API_KEY"
        )
    elif _BAD_HEADER.search(reply.message):
        advice = (
            "a header value holds a forbidden character, usually a line break or a non-ASCII "
            "character pasted with the API key; strip it from OPENAI_API_KEY"
        )
    elif ex.status >= 500:
        advice = (
            "the upstream failed, not your request: retry with backoff; if it lasts, give its "
            f"support {ids}"
        )
    else:
        advice = f"fix the request as it says; if it is unclear, give its support {ids}"
    return finding("upstream_error", f"{head}: {advice}.")


def is_trace_export(ev: Evidence) -> bool:
    return ev.exchange.path.partition("?")[0].rstrip("/") == TRACES_PATH


def name_background_caller(ev: Evidence, chosen: Finding | None) -> Finding | None:
    """A key problem on /v1/traces/ingest: say it is the trace exporter and how to stop it."""
    if chosen is None or chosen.cause not in _KEY_CAUSES or not is_trace_export(ev):
        return chosen
    note = (
        f"This request is {TRACE_EXPORTER} using the app's key, not your model call: "
        f"{TRACING_OFF}, {TRACING_KEY}. "
    )
    return dataclasses.replace(chosen, hint=finding(chosen.cause, note + chosen.hint).hint)
