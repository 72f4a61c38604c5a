"""Azure OpenAI answers: invalid key, Entra token, role, network, deployment, path."""

from __future__ import annotations

from typing import Any

import pytest

from authlens.diagnosis.rules import RESPONSE_RULES, first_finding
from tests.replies import AZURE_HEADERS, evidence

HOST = "myres.openai.azure.com"
PATH = "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21"
INVALID = (
    "Access denied due to invalid subscription key or wrong API endpoint. "
    "Make sure to provide a valid key."
)
ENTRA = {
    "statusCode": 401,
    "message": "Unauthorized. Access token is missing, invalid, audience is incorrect "
    "(https://cognitiveservices.azure.com), or have expired.",
}


def azure_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def finding_of(
    status: int, body: object, headers: dict[str, str] | None = None, **kwargs: Any
) -> tuple[str | None, str]:
    ev = evidence(
        host=HOST,
        path=PATH,
        status=status,
        body=body,
        request_headers={"api-key": "a" * 32},
        response_headers=headers if headers is not None else AZURE_HEADERS,
        **kwargs,
    )
    finding = first_finding(RESPONSE_RULES, ev)
    return (finding.cause, finding.hint) if finding else (None, "")


@pytest.mark.parametrize(
    ("status", "body", "headers", "cause"),
    [
        (401, azure_error("401", INVALID), None, "azure_invalid_key"),
        (
            401,
            azure_error("Unauthorized", INVALID),
            {"content-type": "application/json"},
            "azure_invalid_key",
        ),
        (401, ENTRA, None, "azure_token_invalid"),
        (401, ENTRA, {}, "azure_token_invalid"),
        (
            401,
            azure_error("InvalidAuthenticationToken", "The access token is invalid."),
            None,
            "azure_token_invalid",
        ),
        (
            401,
            azure_error("PermissionDenied", "Principal does not have access to API/Operation."),
            None,
            "azure_permission_denied",
        ),
        (
            401,
            azure_error(
                "PermissionDenied",
                "The principal X lacks the required data action Microsoft.CognitiveServices/x.",
            ),
            None,
            "azure_permission_denied",
        ),
        (
            403,
            azure_error("403", "Access denied due to Virtual Network/Firewall rules."),
            {**AZURE_HEADERS, "policy-id": "ThrowExceptionDueToTrafficDenied"},
            "ip_not_allowed",
        ),
        (
            403,
            azure_error("403", "A Virtual Network is configured for this resource."),
            None,
            "ip_not_allowed",
        ),
        (
            404,
            azure_error(
                "DeploymentNotFound", "The API deployment for this resource does not exist."
            ),
            None,
            "model_access_denied",
        ),
        (404, azure_error("404", "Resource not found"), None, "wrong_base_url"),
        (
            429,
            azure_error("429", "Requests have exceeded token rate limit."),
            {**AZURE_HEADERS, "retry-after": "6"},
            "rate_limited",
        ),
        (401, azure_error("401", "Something else"), None, "unknown_401"),
    ],
)
def test_azure_causes(
    status: int, body: object, headers: dict[str, str] | None, cause: str
) -> None:
    """Azure's envelopes and wording map to the azure_* causes and the shared ones."""
    assert finding_of(status, body, headers)[0] == cause


@pytest.mark.parametrize(
    ("status", "body", "needle"),
    [
        (401, azure_error("401", INVALID), "Keys and Endpoint"),
        (401, ENTRA, "cognitiveservices.azure.com/.default"),
        (
            401,
            azure_error("PermissionDenied", "Principal does not have access to API/Operation."),
            "Cognitive Services OpenAI User",
        ),
        (404, azure_error("DeploymentNotFound", "does not exist"), "'gpt4o-prod'"),
        (404, azure_error("404", "Resource not found"), "api-version"),
    ],
)
def test_azure_hints(status: int, body: object, needle: str) -> None:
    """Azure hints name the portal page, role, scope or deployment to check."""
    assert needle in finding_of(status, body)[1]


def test_azure_wording_from_openai_is_not_an_azure_cause() -> None:
    """Azure rules read only replies Azure produced."""
    ev = evidence(
        key="x" * 40,
        body=azure_error("PermissionDenied", "Principal does not have access"),
        response_headers={"x-request-id": "req_805398c06fec4ad79e181dca89d1b6f6"},
    )
    finding = first_finding(RESPONSE_RULES, ev)
    assert finding is not None
    assert not finding.cause.startswith("azure_")
