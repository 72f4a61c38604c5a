"""The key inside a wrapped value, and keys pasted twice.

People send keys wrapped: in quotes, with whitespace or invisible characters around them,
behind a label (`OPENAI_API_KEY=`), after a second `Bearer`, inside `${...}`. The
fingerprint of such a value must be of the key inside, so its last 4 and hash match the
dashboard and `printf %s "$KEY" | sha256sum` (contract section 6); the cause says what
wrapped it. Only a value whose core is exactly a registry kind counts as a key inside.
"""

from __future__ import annotations

import re

from authlens.credentials.key_families import QUOTES
from authlens.credentials.keys import OPENAI_MARKER
from authlens.registry import kind_of

# Invisible or space characters copied around keys: zero-width, BOM, NBSP, word joiner.
_AROUND = " \t\r\n\v\f\u00a0\u200b\u200c\u200d\u2060\ufeff<>" + QUOTES + ",;"
_ESCAPED = ("\\n", "\\r", "\\t", '\\"', "\\'")
# A label before the key (`NAME=`, `apiKey: `, `export X=`, `Bearer `), or braces around it.
_LABEL = re.compile(
    r"""^(?:export\s+|set\s+|\$env:)?["'`]?[A-Za-z_][A-Za-z0-9_.-]{0,63}["'`]?\s*(?::=|=>|[:=])\s*"""
    r"|^(?i:bearer)(?:\s+|:\s*)"
)
_BRACES = re.compile(r"^\$?\{\s*(.*?)\s*\}$")
_ROUNDS = 4


def _peel(value: str) -> str:
    text = value.strip(_AROUND)
    for escaped in _ESCAPED:
        text = text.removeprefix(escaped).removesuffix(escaped)
    if braces := _BRACES.match(text):
        text = braces.group(1)
    return _LABEL.sub("", text, count=1).strip(_AROUND)


def inner_key(value: str) -> str | None:
    """The registry-shaped key a wrapped `value` holds, or None (also when not wrapped)."""
    if value.isascii() and value.replace("-", "").replace("_", "").isalnum():
        return None  # only key characters: nothing wraps it (the common case, kept cheap)
    text = value
    for _ in range(_ROUNDS):
        peeled = _peel(text)
        if peeled == text:
            break
        text = peeled
    if text == value or not text:
        return None
    kind = kind_of(text)
    return text if kind is not None else None


def doubled(value: str) -> bool:
    """The same key twice (`KK`, `K K`, `K,K`), or OpenAI's marker twice: pasted twice."""
    if value.count(OPENAI_MARKER) >= 2:
        return True
    compact = "".join(c for c in value if not c.isspace() and c not in ",;")
    half, odd = divmod(len(compact), 2)
    if odd or half < 16:
        return False
    first = compact[:half]
    return first == compact[half:] and kind_of(first) is not None
