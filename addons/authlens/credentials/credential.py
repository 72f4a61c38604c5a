"""Find the credential a request carries, say where it was, and parse it as servers do.

OpenAI expects `Authorization: Bearer <key>`; Azure key auth expects `api-key: <key>` (and
`Authorization: Bearer <Entra token>`). Anything else is a place a key can end up by mistake.
Which headers and query parameters carry keys is the registry's knowledge.

`Authorization` is split the way HTTP servers split it (RFC 9110 section 11.4): the scheme
is what precedes the first run of whitespace. The separator (space, tab, a non-ASCII space,
or a `:`/`=` glued to a scheme word) and the scheme's spelling are kept, so the rules can
tell `Bearer<TAB>sk-...` (a separator servers refuse) from `Bearer Bearer sk-...`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from authlens.registry import (
    AUTHORIZATION,
    KEY_HEADERS,
    KEY_QUERY_PARAMS,
    PROVIDERS,
    WEBSOCKET_KEY_PROTOCOL,
    WEBSOCKET_PROTOCOL_HEADER,
)

__all__ = [
    "KEY_HEADERS",
    "KEY_QUERY_PARAMS",
    "SentCredential",
    "find_credentials",
    "parse_authorization",
    "primary_credential",
    "split_authorization",
]

SCHEME_WORDS = frozenset({"bearer", "basic", "token"})
_AZURE_KEY_HEADERS = frozenset(PROVIDERS["azure"].key_headers)
# `\s` covers tab, NBSP, the Unicode spaces and the ideographic space: any of them ends a
# scheme for a server that splits on whitespace, and none but SP is what the RFC allows.
_FIRST_SPACE = re.compile(r"\s+")
_LONGEST_SCHEME = 16


@dataclass(frozen=True, slots=True)
class SentCredential:
    """A credential as sent.

    `location` is "authorization", "api-key", "x-api-key", "ocp-apim-subscription-key",
    "websocket-protocol" or "query:<name>"; `scheme` is the Authorization scheme as written
    ("Bearer", "bearer", "Basic", "Bearer:", "" when the header holds a bare value);
    `separator` what stood between scheme and token (" ", "\\t", "\\u00a0", ":", "=", "");
    `token` is what follows, untouched (quotes, spaces and all).
    """

    location: str
    scheme: str | None
    token: str
    separator: str = ""

    @property
    def upstream_value(self) -> str:
        """What the upstream takes as the credential: the token after a whitespace-separated
        scheme, else the whole header value (a bare key, `Bearer:sk-...`)."""
        if self.location == AUTHORIZATION and (not self.separator or not self.separator.isspace()):
            return f"{self.scheme or ''}{self.token}"
        return self.token


def parse_authorization(value: str) -> tuple[str, str, str]:
    """(scheme, separator, token) of an Authorization value, split as servers split it.

    A value with no whitespace is a bare token, unless it is a scheme word alone ("Bearer"
    means an empty token) or one glued to the token by `:` or `=` ("Bearer:sk-...").
    """
    stripped = value.lstrip(" \t")
    match = _FIRST_SPACE.search(stripped)
    if match is None:
        if stripped.lower().rstrip(":=") in SCHEME_WORDS:
            return stripped, "", ""
        for glue in ":=":
            head, glued, tail = stripped.partition(glue)
            if glued and head.lower() in SCHEME_WORDS:
                return head + glue, glue, tail
        return "", "", stripped
    word = stripped[: match.start()]
    if word.isascii() and word.rstrip(":=").isalpha() and len(word) <= _LONGEST_SCHEME:
        separator = match.group(0)
        return word, separator, stripped[match.end() :]
    return "", "", stripped


def split_authorization(value: str) -> tuple[str, str]:
    """(scheme, token) of an Authorization value; see `parse_authorization`."""
    scheme, _, token = parse_authorization(value)
    return scheme, token


def query_params(path: str) -> list[tuple[str, str]]:
    """The decoded query parameters of a request path (never raises)."""
    _, sep, query = path.partition("?")
    if not sep:
        return []
    return parse_qsl(query, keep_blank_values=True)


def find_credentials(headers: Mapping[str, str], path: str) -> list[SentCredential]:
    """Every credential the request carries, the Authorization header first."""
    found: list[SentCredential] = []
    if AUTHORIZATION in headers:
        scheme, separator, token = parse_authorization(headers[AUTHORIZATION])
        found.append(SentCredential(AUTHORIZATION, scheme, token, separator))
    found.extend(
        SentCredential(name, None, headers[name]) for name in KEY_HEADERS if name in headers
    )
    found.extend(
        SentCredential(f"query:{name}", None, value)
        for name, value in query_params(path)
        if name.lower() in KEY_QUERY_PARAMS
    )
    for listed in headers.get(WEBSOCKET_PROTOCOL_HEADER, "").split(","):
        protocol = listed.strip()
        if protocol.startswith(WEBSOCKET_KEY_PROTOCOL):
            token = protocol[len(WEBSOCKET_KEY_PROTOCOL) :]
            found.append(SentCredential("websocket-protocol", None, token))
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
