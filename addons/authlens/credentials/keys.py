"""Key shapes measured against the registry, and the key fingerprint (contract section 6).

The formats live in `authlens.registry` (prefix, alphabet, lengths, marker and its
position); this module judges a token against them. `openai_shape` says how an `sk-...`
token measures up to OpenAI's layouts: valid, cut (before or after the marker), pasted twice,
a relay's or another provider's look-alike, or human text wearing the prefix. Precision
comes first: a body with equal random halves around the marker is valid even at a length
the registry does not list yet.
"""

from __future__ import annotations

import re
from enum import StrEnum

from authlens.credentials.shape import degenerate, human_text, written_body
from authlens.registry import KINDS, OPENAI_MARKER, KeyKind, kind_by_name, kind_of
from authlens.secrets.fingerprint import fingerprint_key, kind_prefix

__all__ = [
    "KINDS",
    "OPENAI_MARKER",
    "KeyKind",
    "Shape",
    "fingerprint_key",
    "key_kind",
    "kind_prefix",
    "openai_shape",
]

_SHOW_LAST4_FROM = 20
_OPENAI = "openai"
_MIN_HALF = 20  # the legacy key's halves; a marker nearer the ends is not a layout
_BODY = re.compile(r"[A-Za-z0-9_-]{0,1000}")
# The bare prefix of OpenAI's legacy keys, which its scoped prefixes extend.
_SK = kind_by_name("openai_legacy").prefix
# OpenAI's `sk-` kinds by prefix, longest prefix first.
_OPENAI_SK: dict[str, tuple[KeyKind, ...]] = {}
for _kind in KINDS:
    if _kind.provider == _OPENAI and _kind.prefix.startswith(_SK):
        _OPENAI_SK.setdefault(_kind.prefix, ())
        _OPENAI_SK[_kind.prefix] += (_kind,)
OPENAI_SK_PREFIXES = tuple(sorted(_OPENAI_SK, key=len, reverse=True))
# Other providers' `sk-` families (`sk-ant-`, `sk-or-`): their stems, cut keys included.
_FOREIGN_SK_STEMS = tuple(
    {
        k.prefix[: k.prefix.index("-", len(_SK)) + 1]
        for k in KINDS
        if k.prefix.startswith(_SK) and len(k.prefix) > len(_SK)
    }
    - {_SK, *OPENAI_SK_PREFIXES}
)


def key_kind(token: str) -> KeyKind | None:
    """The registry kind `token` matches exactly, or None (no guessing from prefixes)."""
    return kind_of(token)


class Shape(StrEnum):
    """How a token that starts like an OpenAI key measures up to OpenAI's layouts."""

    VALID = "valid"  # a known OpenAI format (or equal random halves around the marker)
    TRUNCATED = "truncated"  # a prefix of a valid layout: cut when copied
    DOUBLED = "doubled"  # the marker or the prefix twice: pasted twice
    DEGENERATE = "degenerate"  # the prefix with words, fillers or nothing after it
    FOREIGN = "foreign"  # exactly another provider's `sk-` shape (DeepSeek, a relay's)
    RELAY = "relay"  # `sk-` and random, but no OpenAI layout: a relay's or gateway's key
    MALFORMED = "malformed"  # an OpenAI scoped prefix with a body no layout explains


def _halves(prefix: str) -> frozenset[int]:
    return frozenset().union(*(k.halves() for k in _OPENAI_SK[prefix]))


def _consistent_cut(prefix: str, body: str) -> bool:
    """`body` (no marker in it) is the start of one of the prefix's marked layouts."""
    for kind in _OPENAI_SK[prefix]:
        for layout in kind.layouts:
            at = layout.marker_at
            if at is None or len(body) >= layout.length:
                continue
            if len(body) <= at or OPENAI_MARKER.startswith(body[at:]):
                return True
    return False


def _marked(prefix: str, body: str) -> Shape:
    """A body holding the marker once: where it sits tells a cut from a whole key."""
    at = body.index(OPENAI_MARKER)
    tail = len(body) - at - len(OPENAI_MARKER)
    halves = _halves(prefix)
    if min(at, tail) >= _MIN_HALF and (tail == at or not halves):
        return Shape.DEGENERATE if degenerate(body.replace(OPENAI_MARKER, "")) else Shape.VALID
    if tail < at and (at in halves or not halves):
        return Shape.TRUNCATED  # cut after the marker
    return Shape.MALFORMED


def openai_shape(token: str) -> Shape | None:
    """The shape of an `sk-...` token, or None when it is not OpenAI-prefixed key text."""
    prefix = next((p for p in OPENAI_SK_PREFIXES if token.startswith(p)), None)
    if prefix is None or token.startswith(_FOREIGN_SK_STEMS):
        return None
    body = token[len(prefix) :]
    if not _BODY.fullmatch(body):
        return None  # quotes, spaces, dots: the value families judge it
    if body.count(OPENAI_MARKER) >= 2 or any(p in body for p in OPENAI_SK_PREFIXES[:-1]):
        return Shape.DOUBLED
    kind = kind_of(token)
    if kind is not None and kind.provider == _OPENAI:
        return Shape.DEGENERATE if degenerate(body.replace(OPENAI_MARKER, "")) else Shape.VALID
    if OPENAI_MARKER in body:
        return _marked(prefix, body)
    # Before another provider's exact shape: `sk-` + 20 + "T3" is both a legacy key cut
    # 2 characters into its marker and a LiteLLM key; it is judged a cut.
    if _consistent_cut(prefix, body):
        return Shape.DEGENERATE if human_text(body) else Shape.TRUNCATED
    if kind is not None:
        # Exactly another provider's `sk-` shape (DeepSeek, a relay's): a real key must pass,
        # so only what no random body is counts as written (`written_body`).
        return Shape.DEGENERATE if written_body(body) else Shape.FOREIGN
    if human_text(body):
        return Shape.DEGENERATE
    return Shape.RELAY if prefix == _SK else Shape.MALFORMED


# What our own redaction writes in place of a key: `<prefix>...<last 4> sha256:<12 hex>`.
_FINGERPRINT = re.compile(
    r"(?P<prefix>[A-Za-z0-9_-]{0,16})\.\.\.(?P<last4>[^\r\n]{0,40}?) sha256:[0-9a-f]{12}"
)


def parse_fingerprint(value: str) -> tuple[str, str] | None:
    """(kind prefix, last 4 as shown) of an authlens fingerprint, or None for anything else."""
    value = value.strip()
    match = _FINGERPRINT.fullmatch(value) if len(value) <= 80 else None
    return (match.group("prefix"), match.group("last4")) if match else None


def is_fingerprint(value: str) -> bool:
    """True when `value` is an authlens fingerprint (a scrubbed flow or HAR), not a key."""
    return parse_fingerprint(value) is not None
