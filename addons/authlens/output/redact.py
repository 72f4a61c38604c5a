"""Redaction of secrets in headers, query strings and free text.

Known secrets (the credentials an exchange carried) are replaced by their fingerprint, and
anything shaped like a key or bearer token is replaced too, whether or not we saw it sent.
Redaction fails closed: if it cannot finish, the whole value is replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from authlens.credentials.credential import KEY_QUERY_PARAMS, split_authorization
from authlens.credentials.keys import fingerprint_key

REDACTED = "[REDACTED]"
SHORTEST_SECRET = 8  # shorter values are never redacted as secrets (too many false hits)

# Key-shaped strings of every provider we know, and bearer/basic tokens; bounded repeats.
# The key-prefix run is possessive and may not end in "...": a fingerprint such as
# "sk-svcacct-...BBBB sha256:..." is already redacted and must not be redacted again.
# Every alternative starts with a literal, so the regex engine skips ahead to candidate
# positions; the two that start with a look-behind would disable that for the whole pattern,
# so they are separate patterns, run only when the text can hold a match.
_KEY_PREFIXED = (
    r"(?:sk-|sess-|ek_|gsk_|xai-|AIza|hf_|pplx-|api_org_)[A-Za-z0-9_\-]{8,512}+(?!\.\.\.)"
)
_JWT = r"eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,4096}(?:\.[A-Za-z0-9_-]{0,4096})?"
_KEYLIKE = re.compile(f"{_KEY_PREFIXED}|{_JWT}")
# Browser Realtime sockets carry the key as a subprotocol: "openai-insecure-api-key.<key>".
_WS_PROTOCOL = "openai-insecure-api-key."
_KEYLIKE_WS = re.compile(
    f"{_KEY_PREFIXED}|(?<=openai-insecure-api-key\\.)[^\\s,]{{8,512}}+(?!\\.\\.\\.)|{_JWT}"
)
_HEX32 = re.compile(r"(?<![A-Za-z0-9_-])[a-f0-9]{32}(?![A-Za-z0-9_-])")
_AUTH_PARAM = re.compile(r"(?i)\b(bearer|basic|token)(\s+|\s*[:=]\s*)([^\s\"',;&}]{8,4096})")
_AUTH_WORDS = ("bearer", "basic", "token")
_SHORTEST_MATCH = 11  # "sk-" or "ek_" or "hf_" and 8 characters: shorter texts never match

_TOKEN_HEADERS = frozenset({"authorization", "proxy-authorization"})
_KEY_HEADERS = frozenset({"api-key", "x-api-key", "ocp-apim-subscription-key"})
_COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})
SECRET_HEADERS = _TOKEN_HEADERS | _KEY_HEADERS | _COOKIE_HEADERS


def _fingerprint_match(match: re.Match[str]) -> str:
    return fingerprint_key(match.group(0))


def _redact_auth_param(match: re.Match[str]) -> str:
    token = match.group(3)
    if token.startswith("[REDACTED") or "..." in token:
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}{fingerprint_key(token)}"


def redact_text(text: str, secrets: Iterable[str] = (), *, auth_params: bool = True) -> str:
    """`text` with every known secret and every key-shaped string replaced by a fingerprint.

    `auth_params` also replaces any value after `Bearer`/`Basic`/`token`; upstream messages
    we pass on keep their wording ("Bearer YOUR_KEY") by turning it off.
    """
    try:
        for secret in secrets:
            if len(secret) >= SHORTEST_SECRET and secret in text:
                text = text.replace(secret, fingerprint_key(secret))
        if len(text) < _SHORTEST_MATCH:
            return text
        keylike = _KEYLIKE_WS if _WS_PROTOCOL in text else _KEYLIKE
        text = keylike.sub(_fingerprint_match, text)
        # A 32-hex run is a whole token: it cannot overlap a key-prefixed match or a JWT.
        if len(text) >= 32:
            text = _HEX32.sub(_fingerprint_match, text)
        if auth_params and _has_auth_word(text):
            text = _AUTH_PARAM.sub(_redact_auth_param, text)
        return text
    except Exception:
        return REDACTED


def _has_auth_word(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in _AUTH_WORDS)


def redact_header(name: str, value: str) -> str:
    """The value of header `name` as authlens may show it."""
    try:
        lname = name.lower()
        if lname in _TOKEN_HEADERS:
            scheme, token = split_authorization(value)
            shown = fingerprint_key(token) if token else ""
            return f"{scheme} {shown}".strip()
        if lname in _KEY_HEADERS:
            return fingerprint_key(value)
        if lname in _COOKIE_HEADERS:
            return _redact_cookie(value, set_cookie=lname == "set-cookie")
        return redact_text(value)
    except Exception:
        return REDACTED


def _redact_cookie(value: str, *, set_cookie: bool) -> str:
    """Cookie names stay, values go; Set-Cookie attributes after the first pair stay."""
    parts = value.split(";")
    pairs = parts[:1] if set_cookie else parts
    redacted = [f"{p.partition('=')[0]}={REDACTED}" if "=" in p else REDACTED for p in pairs]
    return ";".join(redacted + (parts[1:] if set_cookie else []))


def redact_path(path: str, secrets: Iterable[str] = ()) -> str:
    """A request path whose key-like query parameters have their values removed."""
    try:
        base, sep, query = path.partition("?")
        if not sep:
            return redact_text(path, secrets)
        pairs = []
        for pair in query.split("&"):
            name, eq, _ = pair.partition("=")
            secret = eq and _unquote_name(name) in KEY_QUERY_PARAMS
            pairs.append(f"{name}={quote(REDACTED)}" if secret else pair)
        return redact_text(f"{base}?{'&'.join(pairs)}", secrets)
    except Exception:
        return REDACTED


def _unquote_name(name: str) -> str:
    return name.replace("%2D", "-").replace("%2d", "-").replace("%5F", "_").lower()
