"""Where credentials travel: header names, query parameters and body field names.

The one list redaction reads, for the log and for the stored flow alike. The `registry`
branch builds `authlens/registry/` (providers, key kinds, hosts, headers): when it is
merged, these names come from there and this module keeps only what redaction derives.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote_plus

# "<scheme> <token>" headers: the scheme stays readable, the token becomes a fingerprint.
TOKEN_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cf-aig-authorization", "helicone-auth"}
)
# Headers whose whole value is a key, for every provider and gateway we know.
KEY_HEADERS = frozenset(
    {"api-key", "x-api-key", "ocp-apim-subscription-key", "x-goog-api-key", "x-portkey-api-key"}
)
COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})
SECRET_HEADERS = TOKEN_HEADERS | KEY_HEADERS | COOKIE_HEADERS
# Headers that hold an id, where a key is sometimes pasted by mistake.
ID_HEADERS = frozenset({"openai-organization", "openai-project"})

KEY_QUERY_PARAMS = frozenset(
    {"key", "api_key", "api-key", "apikey", "access_token", "token", "subscription-key"}
)
# Any other header whose name says it carries a secret (x-my-gateway-token, x-auth, ...).
# Our own X-Authlens-* headers hold no secret.
_SECRET_HEADER_NAME = re.compile(r"(?i)^(?!x-authlens)(?:.*(?:key|token|secret|auth|passw))")
# A JSON, form or query field whose name ends like a credential: openai_api_key, apiKey,
# client_secret, access-token, password... (max_tokens does not: it ends in "tokens").
_SECRET_FIELD_NAME = re.compile(
    r"(?i)(?:key|token|secret|passw(?:or)?d|passwd|auth|authorization|credentials?|bearer)$"
)


# Cached by name (a header or field name is not a secret; the values never enter the cache).
@functools.lru_cache(maxsize=1024)
def is_secret_header(lower_name: str) -> bool:
    """Whether a request header of this (lower-case) name holds a credential."""
    return lower_name in SECRET_HEADERS or bool(_SECRET_HEADER_NAME.match(lower_name))


@functools.lru_cache(maxsize=1024)
def is_secret_field(name: str) -> bool:
    """Whether a body or query field of this name holds a credential (names are unquoted)."""
    if len(name) > 200:
        return False
    name = unquote_plus(name)
    return name.lower() in KEY_QUERY_PARAMS or bool(_SECRET_FIELD_NAME.search(name))
