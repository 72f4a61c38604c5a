"""Synthetic keys for tests: the right shapes, built in code, never real."""

from __future__ import annotations

import random
import string

_ALNUM = string.ascii_letters + string.digits
_MARKER = "T3Blbk" + "FJ"  # base64 of "OpenAI", present in current OpenAI keys


def body(n: int, seed: int = 0, alphabet: str = _ALNUM + "_-") -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


def project_key(seed: int = 0) -> str:
    """A 164-character sk-proj- key."""
    return "sk-proj-" + body(74, seed) + _MARKER + body(74, seed + 1)


def legacy_key(seed: int = 0) -> str:
    """A 51-character legacy user key."""
    return "sk-" + body(20, seed, _ALNUM) + _MARKER + body(20, seed + 1, _ALNUM)


def admin_key(seed: int = 0) -> str:
    """A 133-character sk-admin- key."""
    return "sk-admin-" + body(58, seed) + _MARKER + body(58, seed + 1)


def windows(secret: str, prefix: str = "", size: int = 8) -> set[str]:
    """Every `size`-character window of `secret` beyond its kind prefix."""
    rest = secret[len(prefix) :] if secret.startswith(prefix) else secret
    return {rest[i : i + size] for i in range(max(0, len(rest) - size + 1))}


def leaks(text: str, secret: str, prefix: str = "") -> set[str]:
    """The windows of `secret` found in `text` (empty when nothing leaked)."""
    return {w for w in windows(secret, prefix) if w in text}
