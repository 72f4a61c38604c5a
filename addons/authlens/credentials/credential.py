"""Find the credential a request carries and say where it was.

OpenAI expects `Authorization: Bearer <key>`; Azure key auth expects `api-key: <key>` (and
`Authorization: Bearer <Entra token>`). Anything else is a place a key can end up by mistake.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

# Query parameters that carry keys in some APIs (Google, Azure samples, hand-written code).
KEY_QUERY_PARAMS = frozenset(
    {"key", "api_key", "api-key", "apikey", "access_token", "token", "subscription-key"}
)
KEY_HEADERS = ("api-key", "x-api-key", "ocp-apim-subscription-key")
_AZURE_KEY_HEADERS = frozenset({"api-key", "ocp-apim-subscription-key"})
_SCHEME_WORDS = frozenset({"bearer", "basic", "token"})
# Browsers cannot set headers on a websocket, so the Realtime API also takes the key as a
# subprotocol: `Sec-WebSocket-Protocol: realtime, openai-insecure-api-key.<key>`.
_WS_KEY_PROTOCOL = "openai-insecure-api-key."


@dataclass(frozen=True, slots=True)
class SentCredential:
    """A credential as sent.

    `location` is "authorization", "api-key", "x-api-key", "ocp-apim-subscription-key",
    "websocket-protocol" or "query:<name>"; `scheme` is the
    Authorization scheme as written ("Bearer", "Basic", "Bearer:", "" when the header holds a
    bare value); `token` is what follows the scheme, untouched (quotes, spaces and all).
    """

    location: str
    scheme: str | None
    token: str


def split_authorization(value: str) -> tuple[str, str]:
    """Split an Authorization value into (scheme, token), keeping the token as written.

    A value without a space is a bare token unless it is only a known scheme word
    ("Bearer" alone means an empty token) or one glued to the token by `:` or `=`
    ("Bearer:sk-..." has the scheme "Bearer:").
    """
    stripped = value.lstrip(" ")
    word, sep, rest = stripped.partition(" ")
    if not sep:
        if word.lower().rstrip(":=") in _SCHEME_WORDS:
            return word, ""
        for glue in ":=":
            head, glued, tail = word.partition(glue)
            if glued and head.lower() in _SCHEME_WORDS:
                return head + glue, tail
        return "", stripped
    if word.isascii() and word.rstrip(":=").isalpha() and len(word) <= 16:
        return word, rest.lstrip(" ")
    return "", stripped


def query_params(path: str) -> list[tuple[str, str]]:
    """The decoded query parameters of a request path (never raises)."""
    _, sep, query = path.partition("?")
    if not sep:
        return []
    return parse_qsl(query, keep_blank_values=True)


def find_credentials(headers: Mapping[str, str], path: str) -> list[SentCredential]:
    """Every credential the request carries, the Authorization header first."""
    found: list[SentCredential] = []
    if "authorization" in headers:
        scheme, token = split_authorization(headers["authorization"])
        found.append(SentCredential("authorization", scheme, token))
    found.extend(
        SentCredential(name, None, headers[name]) for name in KEY_HEADERS if name in headers
    )
    found.extend(
        SentCredential(f"query:{name}", None, value)
        for name, value in query_params(path)
        if name.lower() in KEY_QUERY_PARAMS
    )
    for listed in headers.get("sec-websocket-protocol", "").split(","):
        protocol = listed.strip()
        if protocol.startswith(_WS_KEY_PROTOCOL):
            found.append(
                SentCredential("websocket-protocol", None, protocol[len(_WS_KEY_PROTOCOL) :])
            )
    return found


def primary_credential(credentials: list[SentCredential], provider: str) -> SentCredential | None:
    """The credential the upstream will use: `api-key` first for Azure, Authorization otherwise."""
    if not credentials:
        return None
    if provider == "azure":
        for credential in credentials:
            if credential.location in _AZURE_KEY_HEADERS:
                return credential
    return credentials[0]
