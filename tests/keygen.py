"""Random keys of every kind in the registry, built from its layouts (never a real key).

`key_of_kind(kind, rng)` reads the kind's prefix, alphabet, layouts and marker, so a new kind
in `authlens.registry` is generated, mutated and checked without touching the tests.
Hypothesis strategies draw a seeded `random.Random` (true randomness, so bodies are random
rather than shrunk to `AAAA...`).
"""

from __future__ import annotations

import base64
import json
import random
import string

from hypothesis import strategies as st

from authlens.registry import KINDS, KeyKind, provider

_JWT_BODY = string.ascii_letters + string.digits + "_-"
_NAME = string.ascii_lowercase


def _random(rng: random.Random, chars: str, n: int) -> str:
    return "".join(rng.choice(chars) for _ in range(n))


def jwt(rng: random.Random, issuer: str = "https://example.invalid/") -> str:
    """A JWT-shaped token whose payload names `issuer` (signature random, never valid)."""

    def segment(claims: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    header = segment({"alg": "RS256", "typ": "JWT"})
    payload = segment({"iss": issuer, "sub": _random(rng, _JWT_BODY, 16)})
    return f"{header}.{payload}.{_random(rng, _JWT_BODY, 43)}"


def key_of_kind(kind: KeyKind, rng: random.Random) -> str:
    """A random key of `kind`, following one of its layouts (or its span)."""
    if kind.exact:
        return kind.exact
    if kind.name == "jwt":
        return jwt(rng)
    chars = kind.chars()
    if kind.name == "openai_service_account_named":
        half = rng.choice((58, 74))
        name = _random(rng, _NAME, rng.randint(3, 12))
        return f"{kind.prefix}{name}-{_random(rng, chars, half)}{kind.marker}{_random(rng, chars, half)}"
    layouts = list(kind.layouts)
    if kind.span is not None and (not layouts or rng.random() < 0.2):
        low, high = kind.span
        length = rng.randint(low, min(high, low + 40))
        return kind.prefix + _random(rng, chars, length - len(kind.suffix)) + kind.suffix
    layout = rng.choice(layouts)
    if layout.marker_at is None:
        return kind.prefix + _random(rng, chars, layout.length - len(kind.suffix)) + kind.suffix
    after = layout.length - layout.marker_at - len(kind.marker)
    body = _random(rng, chars, layout.marker_at) + kind.marker + _random(rng, chars, after)
    return kind.prefix + body


def entra_token(rng: random.Random) -> str:
    """An Entra ID (Azure) access token's shape: issued by Microsoft's token service."""
    return jwt(rng, provider("azure").jwt_issuers[0] + "00000000-0000-0000-0000-000000000000/")


# Kinds a generator can build (exact placeholders are values, not keys).
GENERATED = tuple(k for k in KINDS if not k.exact)
OPENAI_KINDS = tuple(k for k in GENERATED if k.provider == "openai")
# OpenAI kinds whose layouts carry the marker: what cuts and double pastes are made from.
MARKED_OPENAI = tuple(k for k in OPENAI_KINDS if k.halves())
# Kinds that name their provider by shape, with a provider that has hosts of its own.
OWNED = tuple(k for k in GENERATED if k.claims and provider(k.provider).hosts)


def keys(kinds: tuple[KeyKind, ...] = GENERATED) -> st.SearchStrategy[tuple[KeyKind, str]]:
    """(kind, random key of that kind)."""
    return st.tuples(st.sampled_from(kinds), st.randoms(use_true_random=True)).map(
        lambda pair: (pair[0], key_of_kind(pair[0], pair[1]))
    )
