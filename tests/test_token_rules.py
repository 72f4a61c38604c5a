"""Short-lived credentials: JWT claims, the workload identity token exchange, Entra tokens."""

from __future__ import annotations

import base64
import dataclasses
from email.utils import formatdate
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.jwt_claims import jwt_claims
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange
from tests.keyfactory import body
from tests.replies import NOW, evidence, exchange, openai_error

GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"


def jwt(claims: dict[str, Any], signature: str = "c2lnbmF0dXJlLWJ5dGVz") -> str:
    payload = base64.urlsafe_b64encode(orjson.dumps(claims)).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.{payload}.{signature}"


def windows(token: str) -> set[str]:
    return {token[i : i + 8] for i in range(len(token) - 7)}


def test_claims_are_read_and_odd_values_dropped() -> None:
    """iss/aud/sub/tid/exp are read; a long opaque claim value is never kept."""
    claims = jwt_claims(
        jwt({"iss": "https://issuer.example", "aud": ["a", "b"], "sub": "x" * 40, "exp": 5})
    )
    assert claims is not None
    assert (claims.issuer, claims.audiences, claims.subject, claims.expires) == (
        "https://issuer.example",
        ("a", "b"),
        None,
        5.0,
    )


@given(st.text(max_size=60))
def test_anything_that_is_not_a_jwt_has_no_claims(text: str) -> None:
    """Random text never raises and is not a JWT."""
    assert jwt_claims(text) is None or text.count(".") == 2


def token_exchange(
    subject: str, *, body: dict[str, Any], date: float | None = None, status: int = 400
) -> Exchange:
    form = urlencode(
        {
            "grant_type": GRANT,
            "subject_token": subject,
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        }
    )
    headers = {"content-type": "application/json"}
    if date is not None:
        headers["date"] = formatdate(date, usegmt=True)
    ex = exchange(
        status=status,
        body=body,
        host="auth.openai.com",
        path="/oauth/token",
        response_headers=headers,
    )
    return dataclasses.replace(ex, request_body=form.encode())


def test_expired_subject_token_names_the_time() -> None:
    """invalid_grant with an expired subject token: when it expired; the token never shows."""
    subject = jwt(
        {
            "iss": "https://token.actions.githubusercontent.com",
            "aud": "openai",
            "sub": "repo:acme/app:ref:refs/heads/main",
            "exp": NOW - 90,
        }
    )
    body = {"error": "invalid_grant", "error_description": "The subject token is invalid."}
    finding = diagnose(gather_evidence(token_exchange(subject, body=body)))
    assert finding is not None
    assert finding.cause == "token_exchange_failed"
    assert "expired at 2025-06-15 15:05:10 UTC (90 s before the request)" in finding.hint
    assert not windows(subject.split(".")[1]) & windows(finding.hint)


def test_clock_skew_is_named_from_the_upstream_date() -> None:
    """Our clock 5 minutes ahead of the upstream's: the hint says so."""
    subject = jwt({"iss": "https://k8s.example", "aud": "openai", "exp": NOW - 200})
    body = {"error": "invalid_grant", "error_description": "expired"}
    finding = diagnose(gather_evidence(token_exchange(subject, body=body, date=NOW - 300)))
    assert finding is not None
    assert "300 s ahead of the upstream's" in finding.hint


@pytest.mark.parametrize(
    ("description", "claim", "needle"),
    [
        ("Invalid audience for the subject token.", {"aud": "sts.amazonaws.com"}, "aud sts"),
        ("Token issuer is not trusted.", {"iss": "https://evil.example"}, "https://evil"),
        ("No mapping for this subject.", {"sub": "system:serviceaccount:ns:sa"}, "system:"),
        ("Rejected.", {"sub": "repo:acme/app"}, "sub repo:acme/app"),
        ("The subject token is invalid.", {"sub": "repo:acme/app"}, "sub repo:acme/app"),
    ],
)
def test_which_claim_is_wrong(description: str, claim: dict[str, str], needle: str) -> None:
    """The claim the refusal points at (audience, issuer, subject) is quoted; else all are."""
    subject = jwt({"iss": "https://issuer.example", "aud": "openai", "exp": NOW + 600, **claim})
    body = {"error": "invalid_grant", "error_description": description}
    finding = diagnose(gather_evidence(token_exchange(subject, body=body)))
    assert finding is not None
    assert finding.cause == "token_exchange_failed"
    assert needle in finding.hint


def test_subject_token_that_is_not_a_jwt() -> None:
    """A path or an opaque string as subject_token: said so, never quoted."""
    body = {"error": "invalid_subject_token", "error_description": "malformed"}
    finding = diagnose(gather_evidence(token_exchange("/var/run/secrets/token", body=body)))
    assert finding is not None
    assert "not a JWT" in finding.hint


def test_other_token_grants_are_not_token_exchange_failed() -> None:
    """A refresh-token grant refused at the same endpoint is not workload identity."""
    ex = token_exchange("x", body={"error": "invalid_grant"})
    ex = dataclasses.replace(ex, request_body=b"grant_type=refresh_token&refresh_token=abc")
    finding = diagnose(gather_evidence(ex))
    assert finding is not None
    assert finding.cause == "upstream_error"


AZURE = "myres.openai.azure.com"
DEPLOYMENT = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
AAD_INVALID = {
    "statusCode": 401,
    "message": "Unauthorized. Access token is missing, invalid, audience is incorrect "
    "(https://cognitiveservices.azure.com), or have expired.",
}


def entra(claims: dict[str, Any], **kwargs: Any) -> tuple[str, str]:
    finding = diagnose(evidence(key=jwt(claims), host=kwargs.pop("host", AZURE), **kwargs))
    assert finding is not None
    return finding.cause, finding.hint


ISSUER = "https://sts.windows.net/72f988bf-tenant/"


@pytest.mark.parametrize(
    ("claims", "host", "path", "needle"),
    [
        (
            {"iss": ISSUER, "aud": "https://management.azure.com", "exp": NOW + 600},
            AZURE,
            DEPLOYMENT,
            "audience is https://management.azure.com",
        ),
        (
            {"iss": ISSUER, "aud": "https://cognitiveservices.azure.com", "exp": NOW + 600},
            "acct.services.ai.azure.com",
            "/api/projects/p1/openai/v1/responses",
            "wants https://ai.azure.com",
        ),
        (
            {"iss": ISSUER, "aud": "https://cognitiveservices.azure.com", "exp": NOW - 60},
            AZURE,
            DEPLOYMENT,
            "expired at 2025-06-15 15:05:40 UTC",
        ),
        (
            {
                "iss": "https://accounts.google.com",
                "aud": "https://cognitiveservices.azure.com",
                "exp": NOW + 600,
            },
            AZURE,
            DEPLOYMENT,
            "not by Entra ID",
        ),
    ],
)
def test_entra_token_claim_at_fault(
    claims: dict[str, Any], host: str, path: str, needle: str
) -> None:
    """Audience (Azure OpenAI vs Foundry), expiry and issuer are told apart."""
    cause, hint = entra(claims, host=host, path=path, body=AAD_INVALID)
    assert cause == "azure_token_invalid"
    assert needle in hint
    assert "sha256:" not in hint  # our own words never read as a credential to redaction


def test_empty_401_from_azure_is_azure_not_an_intermediary() -> None:
    """Azure refuses an expired Entra token with an empty 401 and no request id."""
    claims = {"iss": ISSUER, "aud": "https://cognitiveservices.azure.com", "exp": NOW - 60}
    headers = {"www-authenticate": 'Bearer error="invalid_token"'}
    cause, hint = entra(claims, path=DEPLOYMENT, body=b"", response_headers=headers)
    assert cause == "azure_token_invalid"
    assert "expired" in hint


@pytest.mark.parametrize(
    ("sent_in", "message", "named"),
    [
        (
            "api-key",
            "Access denied due to missing subscription key. Make sure to include subscription "
            "key when making requests to an API.",
            ["Ocp-Apim-Subscription-Key", "'api-key'"],
        ),
        # The key was in APIM's own header and still "missing": the API uses a custom name.
        (
            "ocp-apim-subscription-key",
            "Access denied due to missing subscription key.",
            ["another header"],
        ),
    ],
)
def test_apim_missing_subscription_key_names_what_to_change(
    sent_in: str, message: str, named: list[str]
) -> None:
    """APIM's 401 is key_in_wrong_header: the header to use and the one sent, or a custom name."""
    finding = diagnose(
        evidence(
            host="gw.azure-api.net",
            path=DEPLOYMENT,
            body={"statusCode": 401, "message": message},
            request_headers={sent_in: "0123456789abcdef0123456789abcdef"},
        )
    )
    assert finding is not None
    assert finding.cause == "key_in_wrong_header"
    assert all(text in finding.hint for text in named)


def test_entra_token_sent_to_openai_is_named() -> None:
    """An Azure Entra token rejected by api.openai.com: the hint says what it is."""
    token = jwt({"iss": ISSUER, "aud": "https://cognitiveservices.azure.com", "exp": NOW + 600})
    echoed = token[:8] + "*" * (len(token) - 12) + token[-4:]
    body = openai_error(f"Incorrect API key provided: {echoed}.", "invalid_api_key")
    finding = diagnose(evidence(key=token, body=body))
    assert finding is not None
    assert "Entra ID token" in finding.hint
    assert "AZURE_OPENAI_ENDPOINT" in finding.hint


def test_token_host_with_the_openai_profile_is_still_token_exchange() -> None:
    """An OAuth error body carries no OpenAI request id: not taken for an intermediary."""
    subject = jwt({"iss": "https://k8s.example", "aud": "openai", "exp": NOW - 30})
    ex = token_exchange(subject, body={"error": "invalid_grant"}, status=401)
    finding = diagnose(gather_evidence(dataclasses.replace(ex, provider="openai")))
    assert finding is not None
    assert finding.cause == "token_exchange_failed"


def test_empty_401_from_azure_with_an_api_key_is_azure_invalid_key() -> None:
    """An empty 401 from an Azure host to an api-key request is Azure refusing the key."""
    finding = diagnose(
        evidence(
            host=AZURE,
            path=DEPLOYMENT,
            body=b"",
            response_headers={},
            request_headers={"api-key": body(32, 3, "0123456789abcdef")},
        )
    )
    assert finding is not None
    assert finding.cause == "azure_invalid_key"
