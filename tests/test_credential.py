"""Where a request carries its credential, and which one the upstream will read."""

from __future__ import annotations

import pytest

from authlens.credentials.credential import (
    SentCredential,
    find_credentials,
    primary_credential,
    query_params,
    split_authorization,
)
from tests import synthetic_keys as sk

K = sk.project_key()


@pytest.mark.parametrize(
    ("value", "scheme", "token"),
    [
        ("Bearer " + K, "Bearer", K),
        ("bearer " + K, "bearer", K),
        ("Bearer  " + K, "Bearer", K),
        ("Bearer", "Bearer", ""),
        ("Bearer ", "Bearer", ""),
        ("", "", ""),
        (K, "", K),
        ("Basic dXNlcjpwYXNz", "Basic", "dXNlcjpwYXNz"),
        ("Token " + K, "Token", K),
        ("Bearer: " + K, "Bearer:", K),
        ("Bearer:" + K, "Bearer:", K),
        ("Bearer=" + K, "Bearer=", K),
        ("Bearer Bearer " + K, "Bearer", "Bearer " + K),
        ('Bearer "' + K + '"', "Bearer", '"' + K + '"'),
        ("Authorization: Bearer " + K, "Authorization:", "Bearer " + K),
        ("OPENAI_API_KEY=" + K, "", "OPENAI_API_KEY=" + K),
        ("sk-proj-abc def", "", "sk-proj-abc def"),
    ],
)
def test_split_authorization(value: str, scheme: str, token: str) -> None:
    """The scheme as written and the token untouched (quotes, doubled Bearer and all)."""
    assert split_authorization(value) == (scheme, token)


def test_query_params_are_decoded_and_never_raise() -> None:
    """Query values are percent-decoded; odd input gives what can be read."""
    assert query_params("/v1/models?key=a%2Bb&x") == [("key", "a+b"), ("x", "")]
    assert query_params("/v1/models") == []


@pytest.mark.parametrize(
    ("headers", "path", "locations"),
    [
        ({"authorization": "Bearer " + K}, "/v1/models", ["authorization"]),
        ({"x-api-key": K}, "/v1/models", ["x-api-key"]),
        ({"api-key": K}, "/v1/models", ["api-key"]),
        ({"ocp-apim-subscription-key": K}, "/", ["ocp-apim-subscription-key"]),
        ({}, "/v1/models?key=" + K, ["query:key"]),
        ({}, "/v1/models?api-version=2024-10-21&api-key=x", ["query:api-key"]),
        (
            {"sec-websocket-protocol": "realtime, openai-insecure-api-key." + K},
            "/v1/realtime",
            ["websocket-protocol"],
        ),
        (
            {"authorization": "Bearer " + K, "x-api-key": K},
            "/v1/models?key=k",
            ["authorization", "x-api-key", "query:key"],
        ),
        ({"sec-websocket-protocol": "realtime"}, "/v1/realtime", []),
        ({}, "/v1/models?api-version=1", []),
    ],
)
def test_find_credentials(headers: dict[str, str], path: str, locations: list[str]) -> None:
    """Every place a key can be, the Authorization header first."""
    assert [c.location for c in find_credentials(headers, path)] == locations


def test_websocket_subprotocol_key_is_extracted() -> None:
    """The Realtime API's browser form carries the key after its subprotocol prefix."""
    headers = {"sec-websocket-protocol": "realtime, openai-insecure-api-key." + K + ", x"}
    assert find_credentials(headers, "/v1/realtime")[0].token == K


BEARER = SentCredential("authorization", "Bearer", "t")
API_KEY = SentCredential("api-key", None, "k")
APIM = SentCredential("ocp-apim-subscription-key", None, "k")
X_API_KEY = SentCredential("x-api-key", None, "k")


@pytest.mark.parametrize(
    ("credentials", "provider", "primary"),
    [
        ([], "openai", None),
        ([BEARER, API_KEY], "openai", BEARER),
        ([BEARER, API_KEY], "azure", API_KEY),
        ([BEARER, APIM], "azure", APIM),
        ([BEARER], "azure", BEARER),
        ([X_API_KEY], "compatible", X_API_KEY),
    ],
)
def test_primary_credential(
    credentials: list[SentCredential], provider: str, primary: SentCredential | None
) -> None:
    """Azure reads its key header first; everyone else the Authorization header."""
    assert primary_credential(credentials, provider) == primary


@pytest.mark.parametrize(
    ("value", "scheme", "separator", "token", "upstream"),
    [
        ("Bearer sk-a", "Bearer", " ", "sk-a", "sk-a"),
        ("bearer  sk-a", "bearer", "  ", "sk-a", "sk-a"),
        ("Bearer\tsk-a", "Bearer", "\t", "sk-a", "sk-a"),
        ("Bearer\u00a0sk-a", "Bearer", "\u00a0", "sk-a", "sk-a"),
        ("Bearer\u3000sk-a", "Bearer", "\u3000", "sk-a", "sk-a"),
        ("Bearer:sk-a", "Bearer:", ":", "sk-a", "Bearer:sk-a"),
        ("Bearer=sk-a", "Bearer=", "=", "sk-a", "Bearer=sk-a"),
        ("sk-a", "", "", "sk-a", "sk-a"),
        ("Bearer Bearer sk-a", "Bearer", " ", "Bearer sk-a", "Bearer sk-a"),
    ],
)
def test_authorization_is_split_at_the_first_whitespace_run(
    value: str, scheme: str, separator: str, token: str, upstream: str
) -> None:
    """Scheme, separator and token as a server splits them; what the upstream reads as the
    credential is the whole value when no whitespace separated a scheme."""
    (credential,) = find_credentials({"authorization": value}, "/")
    assert (credential.scheme, credential.separator, credential.token) == (scheme, separator, token)
    assert credential.upstream_value == upstream
