"""Response-side rules about the account's standing: billing, data residency, verification,
organization policies.

OpenAI words these answers differently over time and per endpoint, so each rule matches the
structure of the answer (its type or code, or a few words that must appear together), not one
sentence. They name what the request alone cannot show, so they win over request-side
findings (contract section 7). Each returns a Finding or None.
"""

from __future__ import annotations

import re

from authlens.diagnosis.evidence import Evidence
from authlens.diagnosis.findings import ORG_PAGE, finding, may_say, said
from authlens.diagnosis.hints import quote_snippet
from authlens.exchange import Finding
from authlens.registry import PROVIDERS

_REGIONAL_HOSTS = PROVIDERS["openai"].regional_hosts
BILLING_PAGE = "https://platform.openai.com/settings/organization/billing"
TRACES_PATH = "/v1/traces/ingest"
# The Agents SDK's exporter (Python and JS) and the three ways to stop or fix it.
TRACE_EXPORTER = "the Agents SDK trace exporter (POST /v1/traces/ingest)"
TRACING_OFF = "set_tracing_disabled(True) or OPENAI_AGENTS_DISABLE_TRACING=1 turns it off"
TRACING_KEY = "set_tracing_export_api_key(<OpenAI key>) gives it a key"

_BILLING = re.compile(r"\bbilling\b", re.I)
_INACTIVE = re.compile(r"\bnot active\b|\binactive\b|\bnot activated\b", re.I)
_REGIONAL = re.compile(r"\bregion(?:al)?\b.{0,40}\bhost(?:name)?\b", re.I | re.S)
# An OpenAI API host named in the message: `us.api.openai.com`, `eu.api.openai.com`, ...
_OPENAI_HOST = re.compile(r"\b((?:[a-z0-9-]{1,30}\.){1,3}openai\.com)\b", re.I)
_UNVERIFIED = re.compile(r"\borgani[sz]ation\b.{0,40}\bverifi", re.I | re.S)
_VERIFIED_TO = re.compile(r"\bverified\s+(to\s+[^.:;]{3,60})", re.I)
_REFUSED = r"(?:not (?:permitted|allowed)|prohibited|forbidden|disabled|disallowed)"
_SUBJECT = r"(?:organi[sz]ations?|polic(?:y|ies)|data retention|zdr|administrator|admin)"
_POLICY = re.compile(
    rf"\b{_REFUSED}\b.{{0,80}}\b{_SUBJECT}\b|\b{_SUBJECT}\b.{{0,80}}\b{_REFUSED}\b", re.I | re.S
)
# Zero data retention named as the reason ("Items are not persisted for Zero Data Retention
# organizations"): whatever the verb, the organization's retention setting refused it.
_ZERO_RETENTION = re.compile(r"\bzero[\s-]data[\s-]retention\b|\bZDR\b", re.I)


def billing_not_active(ev: Evidence) -> Finding | None:
    """429/401/403: the account's billing is not active (not a rate limit: do not retry)."""
    reply = ev.reply
    if reply is None:
        return None
    coded = said(reply, codes=("billing_not_active",))
    message = reply.message
    if not coded and not (
        may_say(message, "billing") and _BILLING.search(message) and _INACTIVE.search(message)
    ):
        return None
    return finding(
        "billing_not_active",
        "The account's billing is not active (no payment method, a failed payment, or the "
        f"free grant expired): retrying will not help; fix it at {BILLING_PAGE}, then use a key "
        "of that account.",
    )


def wrong_regional_host(ev: Evidence) -> Finding | None:
    """The key's project lives in a data-residency region; the request went to another host."""
    reply = ev.reply
    if reply is None or not may_say(reply.message, "region", "host"):
        return None
    if not _REGIONAL.search(reply.message):
        return None
    sent = ev.exchange.host.lower()
    named = [h.lower() for h in _OPENAI_HOST.findall(reply.message) if h.lower() != sent]
    if named:
        target = named[0]
        where = f"send it to https://{target}/v1 (OPENAI_BASE_URL=https://{target}/v1)"
    else:
        where = (
            f"send it to the project's regional host ({', '.join(_REGIONAL_HOSTS)}, ...; "
            "see the project's data residency setting) with /v1 in OPENAI_BASE_URL"
        )
    return finding(
        "wrong_regional_host",
        f"This key's project is bound to a data-residency region and the request went to "
        f"{sent}: {where}.",
    )


def organization_unverified(ev: Evidence) -> Finding | None:
    """The model or feature (streaming, image generation, ...) needs a verified organization."""
    reply = ev.reply
    if reply is None or not may_say(reply.message, "organi", "verifi"):
        return None
    if not _UNVERIFIED.search(reply.message):
        return None
    what = _VERIFIED_TO.search(reply.message)
    needed = f" {quote_snippet(what.group(1), 60)}" if what else " for this"
    model = f" ({quote_snippet(ev.exchange.model, 40)})" if ev.exchange.model else ""
    streaming = " or call it without stream=true," if "stream" in reply.message.lower() else ""
    return finding(
        "organization_unverified",
        f"The organization of this key must be verified{needed}{model}: an Owner verifies it "
        f"at {ORG_PAGE} (Verify Organization; access takes up to 15 minutes to propagate),"
        f"{streaming} or use a model that needs no verification.",
    )


def forbidden_by_policy(ev: Evidence) -> Finding | None:
    """An organization policy (zero data retention, an admin setting) refuses the operation."""
    reply = ev.reply
    if reply is None or ev.status not in (400, 403):
        return None
    code = (reply.code or "").lower()
    message = reply.message
    if not (
        code.endswith("_forbidden")
        or "policy" in code
        or _POLICY.search(message)
        or _ZERO_RETENTION.search(message)
    ):
        return None
    quoted = quote_snippet(reply.message, 100, ev.secrets)
    if ev.exchange.path.partition("?")[0].rstrip("/") == TRACES_PATH:
        return finding(
            "forbidden_by_policy",
            f"The organization's policy refuses trace upload ({quoted}): this request is "
            f"{TRACE_EXPORTER}, not your model call: {TRACING_OFF}.",
        )
    return finding(
        "forbidden_by_policy",
        f"An organization policy refuses this operation ({quoted}): it is a setting, not a key "
        f"problem; an Owner can review it at {ORG_PAGE}, or skip this endpoint or option.",
    )
