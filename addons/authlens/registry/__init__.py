"""The registry: the only place that knows providers and their credentials.

Per provider its hosts, the headers and query parameters that carry its credentials, the
exact shape of each key kind (prefix, body alphabet, lengths, marker and its position),
console, environment variables, request-id headers and error body shapes. Data plus small
lookups; imports nothing else of authlens, never mitmproxy. Adding a provider or a gateway is
one entry in `providers.py` (and its key kinds in `kinds.py`).
"""

from __future__ import annotations

from authlens.registry.kinds import KINDS, OPENAI_MARKER, KeyKind, Layout
from authlens.registry.lookup import (
    AUTHORIZATION,
    CREDENTIAL_HEADERS,
    DEFAULT_HOSTS,
    KEY_HEADERS,
    KEY_QUERY_PARAMS,
    KEY_SHAPE,
    PREFIXES,
    REQUEST_ID_HEADERS,
    WEBSOCKET_KEY_PROTOCOL,
    WEBSOCKET_PROTOCOL_HEADER,
    host_provider,
    jwt_issuer_provider,
    kind_by_name,
    kind_of,
    kind_prefix,
    prefixed_kinds,
    provider,
)
from authlens.registry.providers import PROVIDERS, Provider

__all__ = [
    "AUTHORIZATION",
    "CREDENTIAL_HEADERS",
    "DEFAULT_HOSTS",
    "KEY_HEADERS",
    "KEY_QUERY_PARAMS",
    "KEY_SHAPE",
    "KINDS",
    "OPENAI_MARKER",
    "PREFIXES",
    "PROVIDERS",
    "REQUEST_ID_HEADERS",
    "WEBSOCKET_KEY_PROTOCOL",
    "WEBSOCKET_PROTOCOL_HEADER",
    "KeyKind",
    "Layout",
    "Provider",
    "host_provider",
    "jwt_issuer_provider",
    "kind_by_name",
    "kind_of",
    "kind_prefix",
    "prefixed_kinds",
    "provider",
]
