"""Scrub secrets from a stored flow after its request went upstream.

mitmweb, `-w` flow files and HAR dumps serialize the flow object; rewriting headers in the
`request` hook would send the redacted value to the upstream, so this runs in `response`
and `error` (and at shutdown for flows still in flight), when the request is on the wire.
The stored copy is scrubbed by the same rules as the log (`authlens.secrets`): credential
headers by name, key shapes and this exchange's secrets in any encoding, secret-named query,
matrix and body fields, compressed bodies decoded within a cap.

It fails closed: if the exchange's secrets cannot be computed, the flow is scrubbed by name
and shape alone; if that fails too, every header that may carry a credential, the query and
the body are dropped from the stored copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import unquote_plus

from mitmproxy import http

from authlens.credentials.credential import SentCredential, find_credentials, split_authorization
from authlens.proxy.flowdata import header_dict, header_text
from authlens.secrets.bodies import MAX_BODY, Unreadable, decoded, field_secrets, scrub_body
from authlens.secrets.places import (
    COOKIE_HEADERS,
    ID_HEADERS,
    TOKEN_HEADERS,
    is_secret_field,
    is_secret_header,
)
from authlens.secrets.redactor import PLAIN, REDACTED, SHORTEST_SECRET, Redactor
from authlens.secrets.text import native, to_bytes

_MAX_COOKIE_SECRETS = 16  # 20,000 cookies must not become 20,000 secrets to match
_MIN_COOKIE_SECRET = SHORTEST_SECRET
_MAX_RESPONSE_SCAN = 1 << 20  # larger error bodies pass byte for byte (bounded work)


def request_secrets(
    request: http.Request,
    headers: Mapping[str, str] | None = None,
    credentials: Iterable[SentCredential] | None = None,
) -> tuple[str, ...]:
    """Every credential-like value a request carries, for redaction anywhere.

    The credentials the rules read (Authorization, api-key, query), plus what only redaction
    cares about: each field of a repeated credential header, every secret-named header,
    query, matrix and body field, long cookie values. Never raises on odd bytes.
    """
    if headers is None:
        headers = header_dict(request.headers)
    if credentials is None:
        credentials = find_credentials(headers, request.path)
    found = [c.token for c in credentials if c.token]
    cookies = 0
    for raw_name, raw_value in request.headers.fields:
        lname, value = native(raw_name.lower()), native(raw_value)
        if lname in TOKEN_HEADERS:
            found.append(split_authorization(value)[1])
        elif lname in COOKIE_HEADERS:
            for pair in value.split(";"):
                cookie = pair.partition("=")[2].strip()
                if len(cookie) >= _MIN_COOKIE_SECRET and cookies < _MAX_COOKIE_SECRETS:
                    found.append(cookie)
                    cookies += 1
        elif is_secret_header(lname):
            found.append(value.strip())
    found.extend(_path_secrets(request.path))
    try:
        body = decoded(request.raw_content or b"", headers.get("content-encoding", ""))
        found.extend(field_secrets(body, headers.get("content-type", "")))
    except Unreadable:
        pass  # the stored copy of such a body is dropped (`scrub_flow`)
    return tuple(dict.fromkeys(s for s in found if len(s) >= SHORTEST_SECRET))


def _path_secrets(path: str) -> list[str]:
    """Values of secret-named query and `;matrix` parameters, percent-decoded."""
    base, _, query = path.partition("?")
    pairs = base.split(";")[1:] + query.split("&")
    found = []
    for pair in pairs:
        name, eq, value = pair.partition("=")
        if eq and is_secret_field(name):
            found.append(unquote_plus(value))
    return found


def scrub_flow(flow: http.HTTPFlow, redactor: Redactor | None = None) -> None:
    """Redact credentials in `flow.request` (headers, path, body) in place; never raises.

    Without a `redactor` (computing the exchange's secrets failed), name and shape rules
    alone apply; if even that fails, the stored request loses whatever may hold a secret.
    """
    request = flow.request
    try:
        redactor = redactor or PLAIN
        _scrub_headers(request.headers, redactor)
        request.path = redactor.path(request.path)
        _scrub_body(request, redactor)
    except Exception:
        _blanket(request)


def _scrub_headers(headers: http.Headers, redactor: Redactor) -> None:
    """The request headers without credentials; the fields are replaced only if one changed.

    Credential and id headers are redacted by name; the others by text rules, looked at all
    together first: most requests have nothing there, and then no other value is rebuilt.
    """
    fields = headers.fields
    names = [native(raw_name.lower()) for raw_name, _ in fields]
    named = [_by_name(lname) for lname in names]
    others = [
        native(value)
        for (_, value), by_name in zip(fields, named, strict=True)
        if not by_name and len(value) >= SHORTEST_SECRET
    ]
    by_text = redactor.touches("\n".join(others))
    if not by_text and not any(named):
        return
    scrubbed: list[tuple[bytes, bytes]] = []
    changed = False
    for lname, (raw_name, raw_value), by_name in zip(names, fields, named, strict=True):
        if by_name:
            value = redactor.header(lname, native(raw_value))
        elif by_text and len(raw_value) >= SHORTEST_SECRET:
            value = redactor.text(native(raw_value))
        else:
            scrubbed.append((raw_name, raw_value))
            continue
        new_value = to_bytes(value)
        changed = changed or new_value != raw_value
        scrubbed.append((raw_name, new_value))
    if changed:
        headers.fields = tuple(scrubbed)


def _by_name(lname: str) -> bool:
    """Whether a header of this name is redacted by its name (a credential or an id)."""
    return is_secret_header(lname) or lname in ID_HEADERS


def _scrub_body(message: http.Message, redactor: Redactor) -> None:
    raw = message.raw_content
    if not raw:
        return
    encoding = header_text(message.headers, b"content-encoding")
    try:
        body = decoded(raw, encoding)
        scrubbed = scrub_body(body, header_text(message.headers, b"content-type"), redactor)
    except Unreadable as e:
        _replace_body(message, f"[authlens: body not stored: {e}; limit {MAX_BODY} bytes]")
        return
    if scrubbed == body:
        return
    if encoding:
        message.headers.pop("content-encoding", None)
    message.raw_content = scrubbed
    if "content-length" in message.headers:
        message.headers["content-length"] = str(len(scrubbed))


def _replace_body(message: http.Message, note: str) -> None:
    message.headers.pop("content-encoding", None)
    message.raw_content = note.encode()
    if "content-length" in message.headers:
        message.headers["content-length"] = str(len(message.raw_content))


def _blanket(request: http.Request) -> None:
    """The last resort: nothing that may hold a credential stays in the stored request."""
    try:
        request.headers.fields = tuple(
            (name, REDACTED.encode() if _may_hold(name) else value)
            for name, value in request.headers.fields
        )
        request.path = request.path.partition("?")[0].partition(";")[0]
        if PLAIN.path(request.path) != request.path:
            request.path = "/" + REDACTED
        _replace_body(request, "[authlens: body not stored: redaction failed]")
    except Exception:  # noqa: S110  # a flow we cannot even blank is left to mitmproxy
        pass


def _may_hold(raw_name: bytes) -> bool:
    lname = native(raw_name.lower())
    return is_secret_header(lname) or lname in ID_HEADERS or lname not in _HARMLESS


_HARMLESS = frozenset(
    {"host", "content-type", "content-length", "accept", "accept-encoding", "user-agent"}
)


def _response_value(lname: str, raw_value: bytes, redactor: Redactor) -> bytes:
    value = native(raw_value)
    if lname in COOKIE_HEADERS:
        return to_bytes(redactor.header(lname, value))
    return to_bytes(redactor.text(value))


def scrub_response(response: http.Response, redactor: Redactor, *, with_body: bool = True) -> None:
    """An error response without this exchange's secrets or key shapes (an upstream echo).

    The client gets this copy too: it sent the key, the fingerprint in its place loses
    nothing. Bodies beyond the cap, or undecodable, pass untouched (documented limit).
    `with_body=False` leaves the body to the caller (it replaces it with a redacted copy).
    """
    fields = response.headers.fields
    names = [native(raw_name.lower()) for raw_name, _ in fields]
    # Our own headers and short values are never secrets; cookies are redacted by name, the
    # rest by text rules, looked at all together first.
    looked = [
        not lname.startswith("x-authlens") and len(raw_value) >= SHORTEST_SECRET
        for lname, (_, raw_value) in zip(names, fields, strict=True)
    ]
    cookies = [look and lname in COOKIE_HEADERS for lname, look in zip(names, looked, strict=True)]
    texts = (
        native(raw_value)
        for (_, raw_value), look, cookie in zip(fields, looked, cookies, strict=True)
        if look and not cookie
    )
    by_text = redactor.touches("\n".join(texts))
    if by_text or any(cookies):
        response.headers.fields = tuple(
            (raw_name, _response_value(lname, raw_value, redactor))
            if cookie or (look and by_text)
            else (raw_name, raw_value)
            for lname, (raw_name, raw_value), look, cookie in zip(
                names, fields, looked, cookies, strict=True
            )
        )
    raw = response.raw_content
    if not with_body or not raw or len(raw) > _MAX_RESPONSE_SCAN:
        return
    encoding = header_text(response.headers, b"content-encoding")
    try:
        body = decoded(raw, encoding)
    except Unreadable:
        return
    if len(body) > _MAX_RESPONSE_SCAN:
        return
    try:
        scrubbed = scrub_body(body, header_text(response.headers, b"content-type"), redactor)
    except Unreadable:
        return
    if scrubbed != body:
        response.content = scrubbed  # re-encoded with its Content-Encoding


__all__ = ["is_secret_field", "request_secrets", "scrub_flow", "scrub_response"]
