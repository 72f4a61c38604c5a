"""Secrets in request and response bodies: found by field name, scrubbed in any encoding.

A body may carry a credential as a JSON field (at any depth, under any secret-ish name,
possibly spelled with `\\u` escapes), a form or multipart field, or inside a compressed body.
Work is bounded: bodies are decompressed up to a cap (a zip bomb stops there), and what
cannot be read within the caps is reported as unreadable so the caller fails closed.
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote_plus

import brotli  # type: ignore[import-untyped]
import orjson
from backports import zstd  # mitmproxy's dependency (Python 3.14: compression.zstd)

from authlens.secrets.places import is_secret_field
from authlens.secrets.redactor import REDACTED, SHORTEST_SECRET, Redactor
from authlens.secrets.text import native, to_bytes

MAX_BODY = 8 << 20  # bodies (raw or decoded) beyond this are not scanned, nor stored
# Bodies beyond this are not parsed nor scanned by regex (linear but slow in Python's engine):
# a fast literal search decides; one that may hold a credential is not stored.
MAX_SCAN = 1 << 20
# A JSON field name a secret may follow ("api_key", "token"...), or a \u escape that may
# spell one; found with `in` on the lower-cased body (one C pass per needle).
_SECRET_NAME_ENDS = (
    *(b'key"', b'token"', b'secret"', b'password"', b'passwd"', b'auth"', b'authorization"'),
    *(b"credential", b"bearer", b"\\u"),
)
_FORM_TYPE = "application/x-www-form-urlencoded"
_BOUNDARY = re.compile(r'(?i)boundary="?([^";,]{1,200})')
_PART_NAME = re.compile(rb'(?i)content-disposition:[^\r\n]*?\bname="([^"\r\n]{0,200})"')


class Unreadable(ValueError):
    """A body we cannot decode within the caps: the caller must not store it as it is."""


def decoded(raw: bytes, content_encoding: str) -> bytes:
    """`raw` without its Content-Encoding, at most `MAX_BODY` bytes; raises Unreadable."""
    if len(raw) > MAX_BODY:
        raise Unreadable(f"{len(raw)} bytes")
    data = raw
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",") if c.strip()]):
        data = _decode_one(data, coding)
    return data


def _decode_one(data: bytes, coding: str) -> bytes:
    limit = MAX_BODY + 1
    try:
        if coding in ("identity", ""):
            out = data
        elif coding in ("gzip", "x-gzip"):
            out = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data, limit)
        elif coding == "deflate":
            try:
                out = zlib.decompressobj().decompress(data, limit)
            except zlib.error:
                out = zlib.decompressobj(-zlib.MAX_WBITS).decompress(data, limit)
        elif coding == "br":
            out = brotli.Decompressor().process(data, output_buffer_limit=limit)
        elif coding == "zstd":
            out = zstd.ZstdDecompressor().decompress(data, limit)
        else:
            raise Unreadable(f"unknown Content-Encoding {coding!r}")
    except (zlib.error, brotli.error, EOFError, ValueError) as e:
        if isinstance(e, Unreadable):
            raise
        raise Unreadable(f"undecodable {coding}") from None
    except Exception as e:  # e.g. zstd.ZstdError: whatever the decoder says, fail closed
        raise Unreadable(f"undecodable {coding}: {type(e).__name__}") from None
    if len(out) > MAX_BODY:
        raise Unreadable(f"{coding} body expands beyond {MAX_BODY} bytes")
    return out


# Whitespace and invisible format characters (a key split by \u200b, a soft hyphen...).
_INVISIBLE = re.compile(r"[\s\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def _squeezed(text: str) -> str:
    return _INVISIBLE.sub("", text)


def _json(body: bytes) -> Any:
    if body.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _walk(node: Any, on_string: Callable[[str | None, str], str]) -> Any:
    """`node` rebuilt with `on_string(field name or None, value)` for every string value."""
    if isinstance(node, dict):
        return {
            k: (on_string(k, v) if isinstance(v, str) else _walk(v, on_string))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [on_string(None, v) if isinstance(v, str) else _walk(v, on_string) for v in node]
    return node


def _form_pairs(text: str) -> Iterator[tuple[str, str]]:
    for pair in text.split("&"):
        name, eq, value = pair.partition("=")
        if eq:
            yield name, value


def _multipart_parts(body: bytes, content_type: str) -> list[bytes] | None:
    match = _BOUNDARY.search(content_type)
    return body.split(b"--" + match.group(1).encode("latin-1", "replace")) if match else None


def field_secrets(body: bytes | None, content_type: str) -> list[str]:
    """Values of secret-named JSON, form and multipart fields of a decoded body."""
    found: list[str] = []
    if not body:
        return found
    ctype = content_type.lower()
    if _FORM_TYPE in ctype:
        for name, value in _form_pairs(native(body)):
            if is_secret_field(name):
                found.append(unquote_plus(value))
        return found
    if "multipart/" in ctype:
        for part in _multipart_parts(body, content_type) or []:
            head, sep, content = part.partition(b"\r\n\r\n")
            part_name = _PART_NAME.search(head)
            if sep and part_name and is_secret_field(native(part_name.group(1))):
                found.append(native(content.rstrip(b"\r\n")))
        return found
    if len(body) > MAX_SCAN or not _may_name_secret(body):
        return found
    data = _json(body)

    def collect(name: str | None, value: str) -> str:
        if name is not None and is_secret_field(name):
            found.append(value)
        return value

    # Deeper than we walk: the stored copy is still scrubbed by shape and known values.
    with contextlib.suppress(RecursionError):
        _walk(data, collect)
    return [s for s in found if len(s) >= SHORTEST_SECRET]


def _may_name_secret(body: bytes) -> bool:
    lowered = body.lower()
    return any(needle in lowered for needle in _SECRET_NAME_ENDS)


def scrub_body(body: bytes, content_type: str, redactor: Redactor) -> bytes:
    """A decoded body with every known secret, key shape and secret-named field redacted.

    Raises Unreadable for a body over `MAX_SCAN` that may hold a credential.
    """
    if len(body) > MAX_SCAN:
        if redactor.may_hold(body):
            raise Unreadable(f"{len(body)} bytes that may hold a credential")
        return body
    ctype = content_type.lower()
    if _FORM_TYPE in ctype:
        pairs = []
        for pair in native(body).split("&"):
            name, eq, _ = pair.partition("=")
            pairs.append(f"{name}={REDACTED}" if eq and is_secret_field(name) else pair)
        return redactor.scrub_bytes(to_bytes("&".join(pairs)))
    if "multipart/" in ctype and (parts := _multipart_parts(body, content_type)):
        match = _BOUNDARY.search(content_type)
        assert match is not None
        out = []
        for part in parts:
            head, sep, _ = part.partition(b"\r\n\r\n")
            part_name = _PART_NAME.search(head)
            secret = sep and part_name and is_secret_field(native(part_name.group(1)))
            kept = head + sep + REDACTED.encode() + b"\r\n" if secret else part
            out.append(redactor.scrub_bytes(kept))
        return (b"--" + match.group(1).encode("latin-1", "replace")).join(out)
    scrubbed = redactor.scrub_bytes(body)
    if not _may_name_secret(body):
        return scrubbed
    data = _json(body)
    if data is None:
        return scrubbed
    changed = False

    def clean(name: str | None, value: str) -> str:
        nonlocal changed
        if name is not None and is_secret_field(name) and len(value) >= SHORTEST_SECRET:
            changed = True
            return REDACTED
        # Judged without invisible characters: they would split a key in two halves.
        candidate = _squeezed(value)
        shown = redactor.text(candidate, partial=True)
        if shown == candidate:
            return value
        changed = True
        return shown

    try:
        cleaned = _walk(data, clean)
    except RecursionError:
        return scrubbed
    return orjson.dumps(cleaned) if changed else scrubbed
