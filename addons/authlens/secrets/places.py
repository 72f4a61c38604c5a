"""Where credentials travel: header names, query parameters and body field names.

What redaction reads, for the log and for the stored flow alike. The providers' and gateways'
credential headers and query parameters come from the registry; this module adds HTTP's own
(`Proxy-Authorization`, cookies) and the name patterns for headers and fields no provider
registers (`x-my-gateway-token`, `openai_api_key` in a body).
"""

from __future__ import annotations

import functools
import re
from urllib.parse import unquote_plus

from authlens.registry import CREDENTIAL_HEADERS, KEY_QUERY_PARAMS

# "<scheme> <token>" headers: the scheme stays readable, the token becomes a fingerprint.
TOKEN_HEADERS = frozenset(
    {
        "proxy-authorization",
        *(h for h in CREDENTIAL_HEADERS if h.endswith(("authorization", "-auth"))),
    }
)
# Headers whose whole value is a key, for every provider and gateway the registry knows.
KEY_HEADERS = CREDENTIAL_HEADERS - TOKEN_HEADERS
COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})
SECRET_HEADERS = TOKEN_HEADERS | KEY_HEADERS | COOKIE_HEADERS
# Headers that hold an id, where a key is sometimes pasted by mistake.
ID_HEADERS = frozenset({"openai-organization", "openai-project"})

# Any other header whose name says it carries a secret (x-my-gateway-token, x-auth, ...).
# Our own X-Authlens-* headers hold no secret.
_SECRET_HEADER_NAME = re.compile(r"(?i)^(?!x-authlens)(?:.*(?:key|token|secret|auth|passw))")
# A JSON, form or query field whose name ends like a credential: openai_api_key, apiKey,
# client_secret, access-token, password... (max_tokens does not: it ends in "tokens").
_SECRET_FIELD_NAME = re.compile(
    r"(?i)(?:key|token|secret|passw(?:or)?d|passwd|auth|authorization|credentials?|bearer"
    r"|assertion)$"
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
