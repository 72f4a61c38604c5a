"""Request-side rules: what was sent. Each returns a Finding or None.

Rules here read only the request; they run for every error response and are ordered most
specific first in `rules.REQUEST_RULES`.
"""

from __future__ import annotations

from authlens.evidence import Evidence
from authlens.exchange import Finding, Side
from authlens.providers import AZURE

# Schemes people write instead of Bearer; only these words are ever echoed in a hint.
_KNOWN_SCHEMES = frozenset({"basic", "token", "bearer:", "key", "apikey", "api-key", "jwt", "sk"})


def _request(cause: str, hint: str, explains: frozenset[str] = frozenset()) -> Finding:
    return Finding(cause, hint, Side.REQUEST, explains)


def missing_credentials(ev: Evidence) -> Finding | None:
    """No credential anywhere in the request."""
    if ev.credentials:
        return None
    if ev.exchange.provider == AZURE:
        hint = (
            "No credential was sent: send 'api-key: <key>' (AZURE_OPENAI_API_KEY) or "
            "'Authorization: Bearer <Entra ID token>'."
        )
    else:
        hint = (
            "No API key was sent: set OPENAI_API_KEY in the client's environment (or pass "
            "api_key=) so it sends 'Authorization: Bearer <key>'."
        )
    return _request("missing_credentials", hint)


def wrong_auth_scheme(ev: Evidence) -> Finding | None:
    """Authorization present but not `Bearer <token>` (raw key, Basic, Token, `Bearer:`)."""
    cred = ev.credential
    if cred is None or cred.location != "authorization" or cred.scheme == "Bearer":
        return None
    if cred.scheme and cred.scheme.lower() == "bearer":
        return None  # "bearer" in lower case is accepted by OpenAI; not the problem
    if not cred.scheme:
        shown = "no scheme (the bare key)"
    elif cred.scheme.lower() in _KNOWN_SCHEMES:
        shown = f"the scheme '{cred.scheme}'"
    else:
        shown = "an unknown scheme"
    return _request(
        "wrong_auth_scheme",
        f"The Authorization header has {shown}; send exactly 'Authorization: Bearer <key>'.",
    )


def empty_key(ev: Evidence) -> Finding | None:
    """`Bearer` followed by nothing (or only spaces)."""
    cred = ev.credential
    if cred is None or cred.token.strip():
        return None
    return _request(
        "empty_key",
        f"The {cred.location} credential is empty: the variable holding the key "
        "(OPENAI_API_KEY) is set but blank where the client runs.",
    )
