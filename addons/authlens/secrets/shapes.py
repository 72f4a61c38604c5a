"""Key-shaped text: what any provider's key, token or masked echo looks like, and how each
is replaced (by its fingerprint), without knowing any exchange's secrets.

`Redactor` (redactor.py) adds an exchange's own secrets on top. The regexes here are
alternations that `re` tries at every position, so each comes with an exact pre-check
(substring searches, a byte translation) that skips it when it cannot match: most text we
emit holds no key at all, or only fingerprints.
"""

from __future__ import annotations

import re

from authlens.registry import PREFIXES, WEBSOCKET_KEY_PROTOCOL, kind_by_name
from authlens.secrets.fingerprint import fingerprint_key, kind_prefix

# Key-shaped strings of every provider we know, and bearer/basic tokens; bounded repeats.
# The key-prefix run is possessive and may not end in "...": a fingerprint such as
# "sk-svcacct-...BBBB sha256:..." is already redacted and must not be redacted again.
# Literal prefixes of the registry's key kinds (JWTs have their own pattern below).
_JWT_START = kind_by_name("jwt").prefix  # base64 of a JSON header
_KEY_PREFIXES = tuple(re.escape(p) for p in PREFIXES if p != _JWT_START)
_KEY_PREFIXED = f"(?:{'|'.join(_KEY_PREFIXES)})" + r"[A-Za-z0-9_\-]{8,512}+(?!\.\.\.)"
PREFIX_BYTES = tuple(p.encode() for p in PREFIXES)
_JWT = _JWT_START + r"[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,4096}(?:\.[A-Za-z0-9_-]{0,4096})?"
# Browser Realtime sockets carry the key as a subprotocol: "openai-insecure-api-key.<key>".
_WS_KEY = rf"(?<={re.escape(WEBSOCKET_KEY_PROTOCOL)})[^\s,]{{8,512}}+(?!\.\.\.)"
_HEX32 = r"(?<![A-Za-z0-9_-])[a-fA-F0-9]{32}(?![A-Za-z0-9_-])"
_AUTH_PARAM = re.compile(r"(?i)\b(bearer|basic|token)(\s+|\s*[:=]\s*)([^\s\"',;&}]{8,4096})")
_AUTH_WORDS = ("bearer", "basic", "token")  # what `_AUTH_PARAM` starts with, lower-cased
# An upstream's masked echo: "a0759e97****ecff", "sk-proj-abcd****wxyz".
_MASKED_ECHO = re.compile(r"([A-Za-z0-9_\-]{1,40})(\*{3,40})([A-Za-z0-9_\-]{0,8})")
# Text we emit is short: one pass with every shape (the look-behinds cost little there).
SHAPES_TEXT = re.compile(f"{_KEY_PREFIXED}|{_WS_KEY}|{_JWT}|{_HEX32}")
_SHAPES_BYTES = re.compile(f"{_KEY_PREFIXED}|{_JWT}".encode())
HEX32_TEXT = re.compile(_HEX32)
_HEX32_BYTES = re.compile(_HEX32.encode())
# Every shape but the 32-hex one starts with one of these literals. A substring search for
# each is far cheaper than the alternation above, which `re` tries at every position: the
# shape passes run only on values holding one (fewer literals: "sk-" covers "sk-proj-").
_STARTS = tuple(
    sorted(
        start
        for start in {*PREFIXES, WEBSOCKET_KEY_PROTOCOL}
        if not any(other != start and start.startswith(other) for other in PREFIXES)
    )
)
_STARTS_BYTES = tuple(start.encode() for start in _STARTS)


# Hex digits as "h", every other byte as ".": a run of 32 hex digits is then a substring.
_HEX_MAP = bytes(ord("h") if chr(b) in "0123456789abcdefABCDEF" else ord(".") for b in range(256))
_HEX_RUN = b"h" * 32


def may_have_hex32(data: bytes) -> bool:
    """False only if `data` holds no run of 32 hex digits (two C passes, no regex)."""
    return len(data) >= 32 and _HEX_RUN in data.translate(_HEX_MAP)


# What must follow a start for a shape to match there: 8 key characters (a key, a JWT's
# header; longer prefixes such as "sk-proj-" are made of key characters too), or 8
# characters of a socket's key. A fingerprint ("sk-proj-...wxyz") has neither.
_KEY_TAIL = re.compile(r"[A-Za-z0-9_\-]{8}")
_WS_TAIL = re.compile(r"[^\s,]{8}")


def may_have_shape(text: str) -> bool:
    """False only if no key shape can match in `text` (exact: a cheap pre-check)."""
    for start in _STARTS:
        tail = _WS_TAIL if start == WEBSOCKET_KEY_PROTOCOL else _KEY_TAIL
        at = text.find(start)
        while at >= 0:
            if tail.match(text, at + len(start)):
                return True
            at = text.find(start, at + 1)
    return may_have_hex32(text.encode("utf-8", "surrogatepass"))


def _fingerprint_match(match: re.Match[str]) -> str:
    return fingerprint_key(match.group(0))


def _fingerprint_bytes_match(match: re.Match[bytes]) -> bytes:
    return fingerprint_key(match.group(0).decode("utf-8", "surrogateescape")).encode()


def _redact_auth_param(match: re.Match[str]) -> str:
    token = match.group(3)
    if token.startswith("[REDACTED") or "..." in token:
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}{fingerprint_key(token)}"


def _mask_echo(match: re.Match[str]) -> str:
    """An upstream's masked echo keeps the kind prefix and the last 4, as a fingerprint does."""
    head, stars, tail = match.groups()
    return f"{kind_prefix(head)}{stars}{tail[-4:]}"


def has_auth_word(text: str) -> bool:
    """Whether `_AUTH_PARAM` may match: its words in any case `re`'s IGNORECASE accepts."""
    folded = text.lower() if text.isascii() else _fold(text)
    return any(word in folded for word in _AUTH_WORDS)


def _fold(text: str) -> str:
    """ "ſ" and "K" fold to "s" and "k"; `re` also takes "ı" and "İ" for "i"."""
    return text.casefold().replace("\u0131", "i").replace("i\u0307", "i")


def replace_shapes(text: str) -> str:
    """Every key-shaped string in `text` replaced by its fingerprint, in one pass: a
    fingerprint written by one pass could otherwise end next to what a later pass looks for."""
    return SHAPES_TEXT.sub(_fingerprint_match, text) if may_have_shape(text) else text


def replace_shapes_bytes(data: bytes) -> bytes:
    """`replace_shapes` for a body; keys first (a key ends before a 32-hex run could start)."""
    if any(start in data for start in _STARTS_BYTES):
        data = _SHAPES_BYTES.sub(_fingerprint_bytes_match, data)
    if may_have_hex32(data):
        data = _HEX32_BYTES.sub(_fingerprint_bytes_match, data)
    return data


def replace_auth_params(text: str) -> str:
    """The value after `Bearer`/`Basic`/`token` replaced by its fingerprint."""
    return _AUTH_PARAM.sub(_redact_auth_param, text) if has_auth_word(text) else text


def replace_masked_echoes(text: str) -> str:
    """An upstream's masked echo cut to the kind prefix and last 4, as a fingerprint shows."""
    return _MASKED_ECHO.sub(_mask_echo, text) if "***" in text else text


def may_change(text: str) -> bool:
    """Whether any replacement above could change `text` (exact, cheap)."""
    return may_have_shape(text) or has_auth_word(text) or "***" in text
