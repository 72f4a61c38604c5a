"""Scrub secrets from a stored flow after its request went upstream.

mitmweb, `-w` flow files and HAR dumps serialize the flow object; rewriting headers in the
`request` hook would send the redacted value to the upstream, so this runs in `response`
and `error`, when the request is already on the wire. The response is left alone: the client
has not received it yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote_plus

import orjson
from mitmproxy import http

from authlens.credentials.credential import (
    SentCredential,
    find_credentials,
    split_authorization,
)
from authlens.output.redact import SECRET_HEADERS, redact_header, redact_path, redact_text
from authlens.proxy.flowdata import header_dict

_REQUEST_SECRET_HEADER_BYTES = frozenset(name.encode() for name in SECRET_HEADERS - {"set-cookie"})
# JSON fields that hold a credential when one is pasted into a request body.
_SECRET_FIELD = re.compile(
    r"(?i)^(api[-_]?key|key|token|access[-_]?token|secret|client[-_]?secret|password"
    r"|authorization|bearer|subscription[-_]?key)$"
)
_MAX_JSON_SCAN = 1 << 20
# Bodies without a secret-named key (or a \u escape that could spell one) are not parsed:
# the request hook already parsed the body for `model`, and most bodies hold no such field.
_MAY_HOLD_SECRET_FIELD = re.compile(
    rb'(?i)"(?:api[-_]?key|key|token|access[-_]?token|secret|client[-_]?secret|password'
    rb'|authorization|bearer|subscription[-_]?key)"|\\u'
)
_SHORTEST_SECRET = 8  # as in redact: shorter values are not redacted anywhere


def json_secrets(body: bytes | None) -> tuple[str, ...]:
    """String values of secret-named fields anywhere in a JSON body (never raises)."""
    if not body or len(body) > _MAX_JSON_SCAN or body.lstrip()[:1] not in (b"{", b"["):
        return ()
    if not _MAY_HOLD_SECRET_FIELD.search(body):
        return ()
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ()
    found: list[str] = []
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for name, value in node.items():
                if isinstance(value, str) and _SECRET_FIELD.match(name) and len(value) >= 8:
                    found.append(value)
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return tuple(found)


# Form fields that carry credentials (OAuth token requests: RFC 6749, RFC 8693).
_FORM_SECRET = re.compile(r"(?i)^(?:\w*_token|assertion|client_secret|password|api_?key)$")


def form_secrets(body: bytes | None) -> tuple[str, ...]:
    """Values of credential fields in a form body, as written and decoded (never raises)."""
    if not body or len(body) > _MAX_JSON_SCAN or b"=" not in body or body.lstrip()[:1] in b"{[":
        return ()
    text = body.decode("utf-8", "replace")
    found = []
    for raw_pair in text.split("&"):
        name, _, raw_value = raw_pair.partition("=")
        if _FORM_SECRET.match(unquote_plus(name)) and len(raw_value) >= _SHORTEST_SECRET:
            found += [raw_value, unquote_plus(raw_value)]
    return tuple(found)


def request_secrets(
    request: http.Request,
    headers: Mapping[str, str] | None = None,
    credentials: Iterable[SentCredential] | None = None,
) -> tuple[str, ...]:
    """Every credential-like value a request carries, for redaction anywhere.

    The credentials the rules read (Authorization, api-key, query), plus what only redaction
    cares about: Proxy-Authorization, cookie values, secret-named JSON body fields.
    `headers` (lower-case names, as `flowdata.header_dict`) and `credentials` (found in them)
    save the work when the caller already has them.
    """
    if headers is None:
        headers = header_dict(request.headers)
    if credentials is None:
        credentials = find_credentials(headers, request.path)
    found = [c.token for c in credentials if c.token]
    for name, raw_value in request.headers.fields:
        lname = name.lower()
        if lname == b"proxy-authorization":
            found.append(split_authorization(_native(raw_value))[1])
        elif lname == b"cookie":
            found.extend(pair.partition("=")[2].strip() for pair in _native(raw_value).split(";"))
    found.extend(json_secrets(request.raw_content))
    found.extend(form_secrets(request.raw_content))
    # A value JSON-escaped in a body ("a\"b") is found in its escaped form as well.
    found.extend(orjson.dumps(s).decode()[1:-1] for s in list(found))
    return tuple(dict.fromkeys(s for s in found if len(s) >= _SHORTEST_SECRET))


def _native(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def scrub_flow(flow: http.HTTPFlow, secrets: tuple[str, ...] | None = None) -> None:
    """Redact credentials in `flow.request` (headers, query, body) in place."""
    request = flow.request
    if secrets is None:
        secrets = request_secrets(request)
    _scrub_headers(request.headers, secrets)
    if "?" in request.path:
        request.path = redact_path(request.path, secrets)
    raw = request.raw_content
    if raw and secrets and any(s.encode("utf-8", "surrogatepass") in raw for s in secrets):
        text = raw.decode("utf-8", "surrogateescape")
        request.raw_content = redact_text(text, secrets).encode("utf-8", "surrogateescape")


def _scrub_headers(headers: http.Headers, secrets: tuple[str, ...]) -> None:
    """One pass over the raw fields; the fields are replaced only if a value changed.

    Secret headers (Authorization, api-key, cookies, ...) are redacted by kind; a credential
    can also sit in any other header (OpenAI-Organization, the Realtime subprotocol list).
    """
    fields = headers.fields
    scrubbed: list[tuple[bytes, bytes]] = []
    changed = False
    for raw_name, raw_value in fields:
        lname, value = raw_name.lower(), _native(raw_value)
        if lname in _REQUEST_SECRET_HEADER_BYTES:
            value = redact_header(_native(lname), value)
        elif any(s in value for s in secrets):
            value = redact_text(value, secrets)
        else:
            scrubbed.append((raw_name, raw_value))
            continue
        new_value = value.encode("utf-8", "surrogateescape")
        changed = changed or new_value != raw_value
        scrubbed.append((raw_name, new_value))
    if changed:
        headers.fields = tuple(scrubbed)
