"""What is wrong with an Entra ID token sent to Azure OpenAI or Foundry, from its claims.

Azure OpenAI resources take tokens for `https://cognitiveservices.azure.com`; Foundry
project endpoints (`*.services.ai.azure.com/api/projects/...`) take `https://ai.azure.com`
(https://learn.microsoft.com/azure/ai-foundry/foundry-models/how-to/configure-entra-id).
Entra issues them from `sts.windows.net/<tenant>/` (v1) or
`login.microsoftonline.com/<tenant>/v2.0`. The token itself is never quoted.
"""

from __future__ import annotations

from authlens.diagnosis.evidence import Evidence
from authlens.diagnosis.jwt_claims import Claims, jwt_claims
from authlens.diagnosis.token_rules import clock_note, timing_problem
from authlens.registry import PROVIDERS

_AZURE = PROVIDERS["azure"]
COGNITIVE_AUDIENCE = _AZURE.entra_audience
FOUNDRY_AUDIENCE = _AZURE.project_audience


def bearer_claims(ev: Evidence) -> Claims | None:
    """The claims of the JWT sent as `Authorization: Bearer`, or None."""
    cred = ev.credential
    if cred is None or cred.location != "authorization":
        return None
    if (cred.scheme or "").lower().rstrip(":=") != "bearer":
        return None
    return jwt_claims(cred.token)


def is_bearer_jwt(ev: Evidence) -> bool:
    return bearer_claims(ev) is not None


def expected_audience(host: str, path: str) -> str:
    """The audience Azure expects for this endpoint."""
    if host.endswith(_AZURE.project_host_suffix) and "/api/projects" in path:
        return FOUNDRY_AUDIENCE
    return COGNITIVE_AUDIENCE


def _same_audience(audience: str, expected: str) -> bool:
    return audience.rstrip("/").removesuffix("/.default").lower() == expected.lower()


def entra_problem(ev: Evidence) -> str | None:
    """Which claim of the Bearer token is wrong, as a hint clause; None when none is known."""
    claims = bearer_claims(ev)
    if claims is None:
        return None
    ex = ev.exchange
    expected = expected_audience(ex.host, ex.path)
    if (timing := timing_problem(claims, ex)) is not None:
        # "token" before a long word reads as a credential to redaction: word it around.
        renew = f"request a new one for {expected}/.default each time (a credential provider)"
        clock = clock_note(ex).strip().rstrip(".")
        return f"{timing}; {renew}" + (f". {clock}" if clock else "")
    if claims.issuer is not None and not claims.from_entra:
        return (
            f"it was issued by {claims.issuer}, not by Entra ID: request it from Entra ID "
            "(DefaultAzureCredential, az account get-access-token)"
        )
    if claims.audiences and not any(_same_audience(a, expected) for a in claims.audiences):
        foundry = " (Foundry project endpoints take https://ai.azure.com)" * (
            expected == COGNITIVE_AUDIENCE
        )
        return (
            f"its audience is {' '.join(claims.audiences)}, this endpoint wants {expected}: "
            f"request the token for the scope {expected}/.default{foundry}"
        )
    message = ev.reply.message.lower() if ev.reply else ""
    if "tenant" in message or "issuer" in message:
        tenant = f" (tid {claims.tenant})" if claims.tenant else ""
        return (
            f"its tenant{tenant} is not the resource's tenant: get the token from the "
            "resource's tenant (AZURE_TENANT_ID, az login --tenant <id>)"
        )
    return None
