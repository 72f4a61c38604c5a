"""Byte-safe text: any byte a header, path or body may hold survives decoding and rendering.

mitmproxy gives bytes; we decode them with `surrogateescape` so no byte is lost, and make the
result safe where it leaves us: JSON (no lone surrogates), HTTP headers (printable ASCII) and
terminals (no control characters).
"""

from __future__ import annotations

import re

_HEADER_UNSAFE = re.compile(r"[^\x20-\x7e]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def native(raw: bytes) -> str:
    """`raw` as text; each byte that is not UTF-8 becomes a lone surrogate, reversibly."""
    return raw.decode("utf-8", "surrogateescape")


def to_bytes(text: str) -> bytes:
    """The bytes `native` decoded (or UTF-8 of any text; other lone surrogates escaped)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace")


def json_safe(text: str) -> str:
    """`text` as valid Unicode: an undecodable byte shows as `\\xa0`, never raises."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return to_bytes(text).decode("utf-8", "backslashreplace")


def header_safe(text: str) -> str:
    """`text` as printable ASCII: a control character quoted from a body would break HTTP."""
    return _HEADER_UNSAFE.sub("?", text)


def terminal_safe(text: str) -> str:
    """`text` with control characters (ESC, CR, ...) shown escaped, for human outputs."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", json_safe(text))
