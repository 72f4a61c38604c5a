"""Whose key is this, and whose host is that: the facts behind `other_provider_key` hints.

Both questions are answered from `authlens.registry`. A distinctive prefix (`gsk_`,
`sk-ant-`, `ghp_`) names its provider even when the key is cut short; prefix-less shapes
(Azure's 32 hex) count only when exact; a JWT is named by its issuer (an Entra ID token is
Azure's); an `sk-` key with random body but no OpenAI layout is a relay's or gateway's.
"""

from __future__ import annotations

from typing import Any

from authlens.credentials.keys import Shape, openai_shape
from authlens.registry import (
    PROVIDERS,
    KeyKind,
    Provider,
    host_provider,
    jwt_issuer_provider,
    kind_of,
)
from authlens.registry import prefixed_kinds as _prefixed

__all__ = ["PROVIDERS", "Provider", "host_owner", "key_owner"]

_OPENAI = "openai"
# Shapes of an `sk-` token that OpenAI issued, or that were cut from one of its keys.
_OPENAI_SHAPES = frozenset({Shape.VALID, Shape.TRUNCATED, Shape.DOUBLED, Shape.MALFORMED})
# A prefix this long names its kind on its own (`sk-` and `eyJ` do not).
_DISTINCTIVE = 4


_UNSET: Any = object()


def key_owner(
    token: str, shape: Shape | None = _UNSET, kind: KeyKind | None = _UNSET
) -> str | None:
    """The provider that issues keys shaped like `token`, or None when it cannot tell.

    `shape` and `kind`, when the caller has them already, save measuring `token` again.
    """
    shape = openai_shape(token) if shape is _UNSET else shape
    if shape in _OPENAI_SHAPES:
        return _OPENAI
    if shape is Shape.RELAY:
        return "relay"
    kind = kind_of(token) if kind is _UNSET else kind
    if kind is not None and kind.claims:
        return kind.provider
    if kind is not None and kind.name == "jwt":
        return jwt_issuer_provider(token)
    for candidate in _prefixed(token):
        if len(candidate.prefix) >= _DISTINCTIVE and candidate.claims:
            return candidate.provider  # a cut or padded key of a distinctive prefix
    return None


def host_owner(host: str) -> str | None:
    """The provider that runs `host` (a known API host), or None."""
    found = host_provider(host)
    return found.id if found is not None else None
