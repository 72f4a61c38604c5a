"""Small lookups over the registry data: by host, by token, by header.

Everything derived here (the credential header set, the default hosts, the compiled key
pattern) is built once at import from `kinds.py` and `providers.py`.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import re

from authlens.registry.kinds import KINDS, KeyKind
from authlens.registry.providers import PROVIDERS, Provider

AUTHORIZATION = "authorization"
# Browsers cannot set headers on a websocket, so the Realtime API also takes the key as a
# subprotocol: `Sec-WebSocket-Protocol: realtime, openai-insecure-api-key.<key>`
# (https://platform.openai.com/docs/guides/realtime-websocket).
WEBSOCKET_KEY_PROTOCOL = "openai-insecure-api-key."
WEBSOCKET_PROTOCOL_HEADER = "sec-websocket-protocol"
# Query parameters hand-written code and samples put keys in, besides the providers' own.
_GENERIC_QUERY_PARAMS = ("key", "api_key", "api-key", "apikey", "access_token", "token")


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# Headers that carry a provider's key in place of Authorization, in the order they are read.
KEY_HEADERS: tuple[str, ...] = _unique([h for p in PROVIDERS.values() for h in p.key_headers])
# Every header holding a credential: what redaction must never write out.
CREDENTIAL_HEADERS: frozenset[str] = frozenset(
    {AUTHORIZATION, *KEY_HEADERS, *(h for p in PROVIDERS.values() for h in p.gateway_headers)}
)
KEY_QUERY_PARAMS: frozenset[str] = frozenset(
    {*_GENERIC_QUERY_PARAMS, *(q for p in PROVIDERS.values() for q in p.key_query_params)}
)
REQUEST_ID_HEADERS: tuple[str, ...] = _unique(
    [h for p in PROVIDERS.values() for h in p.request_id_headers]
)
DEFAULT_HOSTS: tuple[str, ...] = tuple(h for p in PROVIDERS.values() if p.inspect for h in p.hosts)
# Every literal kind prefix, longest first: fingerprints show it, redaction anchors on it.
PREFIXES: tuple[str, ...] = tuple(
    sorted({k.prefix for k in KINDS if k.prefix}, key=len, reverse=True)
)
# A key of any prefixed kind, cut or whole: redaction's anchor (fails closed on cut keys).
KEY_SHAPE = re.compile(
    "(?:" + "|".join(re.escape(p) for p in PREFIXES) + r")[A-Za-z0-9_\-]{8,512}+"
)
# Kinds whose pattern can match a token starting with a given character ("" for prefix-less).
_BY_FIRST: dict[str, tuple[KeyKind, ...]] = {
    first: tuple(k for k in KINDS if not k.prefix or k.prefix[0] == first)
    for first in {k.prefix[0] for k in KINDS if k.prefix}
}
_PREFIXLESS = tuple(k for k in KINDS if not k.prefix)
_KIND_BY_NAME = {k.name: k for k in KINDS}
_HOST_GLOBS: tuple[tuple[re.Pattern[str], Provider], ...] = tuple(
    (re.compile(fnmatch.translate(glob)), p) for p in PROVIDERS.values() for glob in p.hosts
)
_JWT_MAX = 8192


def provider(provider_id: str) -> Provider:
    """The registry entry of `provider_id` (KeyError for an unknown id)."""
    return PROVIDERS[provider_id]


def kind_by_name(name: str) -> KeyKind:
    return _KIND_BY_NAME[name]


def kind_of(token: str) -> KeyKind | None:
    """The kind `token` matches exactly, or None (no guessing from prefixes alone)."""
    for kind in _BY_FIRST.get(token[:1], _PREFIXLESS):
        if kind.pattern.fullmatch(token):
            return kind
    return None


def prefixed_kinds(token: str) -> tuple[KeyKind, ...]:
    """Kinds whose literal prefix `token` starts with, longest prefix first."""
    found = [k for k in KINDS if k.prefix and token.startswith(k.prefix)]
    return tuple(sorted(found, key=lambda k: len(k.prefix), reverse=True))


def kind_prefix(token: str) -> str:
    """The longest known literal prefix `token` starts with, or ''."""
    return next((p for p in PREFIXES if token.startswith(p)), "")


def host_provider(host: str) -> Provider | None:
    """The provider that runs `host` (glob match on its registered hosts), or None."""
    host = host.lower().rstrip(".").partition(":")[0]
    return next((p for pattern, p in _HOST_GLOBS if pattern.fullmatch(host)), None)


def jwt_issuer_provider(token: str) -> str | None:
    """The provider whose issuer signed JWT `token` (its `iss` claim), or None.

    Only the payload's issuer is read, never verified: it names whose token it is.
    """
    parts = token.split(".")
    if len(parts) != 3 or len(token) > _JWT_MAX or not token.startswith("eyJ"):
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(issuer, str):
        return None
    for p in PROVIDERS.values():
        if any(issuer.startswith(prefix) for prefix in p.jwt_issuers):
            return p.id
    return None
