"""Response-side rules for Azure OpenAI answers (`azure_*` in tests/data/openai_auth_corpus.json).

Azure answers `{"error": {"code", "message"}}` for key and role errors and
`{"statusCode", "message"}` for Entra ID token errors. These rules only read replies that
Azure produced; the OpenAI rules do not match Azure's wording.
"""

from __future__ import annotations

import re

from authlens.diagnosis.entra import entra_problem, is_bearer_jwt
from authlens.diagnosis.evidence import Evidence
from authlens.diagnosis.findings import finding, said
from authlens.diagnosis.hints import quote_snippet
from authlens.exchange import Finding
from authlens.providers import AZURE
from authlens.registry import PROVIDERS

KEYS_PAGE = "Azure portal > your resource > Keys and Endpoint"
_AZURE = PROVIDERS["azure"]
_KEY_HEADER = _AZURE.key_headers[0]  # api-key
APIM_HEADER = "-".join(w.capitalize() for w in _AZURE.key_headers[1].split("-"))
_DEPLOYMENT = re.compile(r"/openai/deployments/([^/?]{1,80})")
# API Management: "Access denied due to missing subscription key. Make sure to include ..."
_APIM_MISSING = re.compile(r"\b(?:missing|no|include|without)\b.{0,30}\bsubscription key\b", re.I)
_PLACES = {"authorization": "'Authorization: Bearer'", "websocket-protocol": "a subprotocol"}


def _from_azure(ev: Evidence) -> bool:
    """Azure answered; an empty 401 from an Azure host is Azure's own (Entra token refused)."""
    reply = ev.reply
    if reply is None:
        return False
    if reply.answered_by == "azure":
        return True
    return ev.exchange.provider == AZURE and ev.status == 401 and reply.envelope == "none"


def azure_token_invalid(ev: Evidence) -> Finding | None:
    """Entra ID token missing, invalid, for the wrong audience or expired: which claim."""
    if not _from_azure(ev):
        return None
    assert ev.reply is not None
    empty_401 = ev.reply.envelope == "none" and is_bearer_jwt(ev)
    if not empty_401 and not said(
        ev.reply,
        "access token is missing",
        "token is expired",
        "audience",
        "token is invalid",
        codes=("InvalidAuthenticationToken",),
    ):
        return None
    problem = entra_problem(ev)
    if problem is not None:
        return finding("azure_token_invalid", f"Azure rejected the Entra ID token: {problem}.")
    return finding(
        "azure_token_invalid",
        "Azure rejected the Bearer token: send a current Entra ID token for "
        f"{_AZURE.entra_scope} (AZURE_OPENAI_AD_TOKEN or a credential "
        f"provider), or send the resource key as '{_KEY_HEADER}: <key>' instead.",
    )


def azure_apim_missing_key(ev: Evidence) -> Finding | None:
    """API Management in front of Azure OpenAI found no subscription key where it looks."""
    reply = ev.reply
    if not _from_azure(ev) or reply is None or not _APIM_MISSING.search(reply.message):
        return None
    if any(c.location == APIM_HEADER.lower() for c in ev.credentials):
        return finding(
            "key_in_wrong_header",
            f"The gateway found no subscription key although {APIM_HEADER} was sent: its API "
            "names another header or query parameter in its settings (API Management > APIs > "
            "Settings > Subscription): send the key under that name.",
        )
    places = sorted({_PLACES.get(c.location, f"'{c.location}'") for c in ev.credentials})
    sent = f"the request sent its key in {', '.join(places)}" if places else "no key was sent"
    return finding(
        "key_in_wrong_header",
        f"The Azure API Management gateway expects its subscription key in the {APIM_HEADER} "
        f"header (or the header its API settings name), but {sent}: add "
        f"default_headers={{'{APIM_HEADER}': <key>}} to the client (JS: defaultHeaders), or "
        f"set the API's subscription header name to the one your client sends ({_KEY_HEADER}).",
    )


def azure_permission_denied(ev: Evidence) -> Finding | None:
    """The Entra principal lacks a data-plane role on the resource."""
    needles = ("principal does not have access", "lacks the required data action")
    if not _from_azure(ev) or not said(ev.reply, *needles, codes=("PermissionDenied",)):
        return None
    return finding(
        "azure_permission_denied",
        "Your Entra identity has no data-plane role here: assign 'Cognitive Services OpenAI "
        "User' (Foundry: 'Azure AI User') in the resource's Access control (IAM); allow a few "
        "minutes to apply.",
    )


def azure_invalid_key(ev: Evidence) -> Finding | None:
    """Invalid subscription key, or a key for another resource or region."""
    if not _from_azure(ev):
        return None
    assert ev.reply is not None
    keyed = ev.credential is not None and ev.credential.location != "authorization"
    if not said(ev.reply, "invalid subscription key") and not (
        keyed and ev.reply.envelope == "none"
    ):
        return None
    return finding(
        "azure_invalid_key",
        f"Azure rejected the {_KEY_HEADER}: use Key 1 or Key 2 from {KEYS_PAGE} "
        "(AZURE_OPENAI_API_KEY) and that same resource's endpoint (AZURE_OPENAI_ENDPOINT).",
    )


def azure_network_blocked(ev: Evidence) -> Finding | None:
    """403 from the resource's Virtual Network / firewall rules: `ip_not_allowed`."""
    if not _from_azure(ev) or ev.status != 403:
        return None
    traffic_denied = (
        ev.exchange.response_headers.get("policy-id") == "ThrowExceptionDueToTrafficDenied"
    )
    if not traffic_denied and not said(ev.reply, "virtual network"):
        return None
    return finding(
        "ip_not_allowed",
        "Azure blocks this caller by its Virtual Network/Firewall rules: add your IP under the "
        "resource's Networking > Firewalls and virtual networks, or use its private endpoint.",
    )


def azure_deployment_not_found(ev: Evidence) -> Finding | None:
    """404 DeploymentNotFound: `model_access_denied` (wrong deployment name)."""
    if not _from_azure(ev) or not said(ev.reply, codes=("DeploymentNotFound",)):
        return None
    match = _DEPLOYMENT.search(ev.exchange.path) or None
    name = quote_snippet(match.group(1), 60) if match else (ev.exchange.model or "")
    named = f" '{name}'" if name else ""
    return finding(
        "model_access_denied",
        f"This Azure resource has no deployment{named}: use the deployment name from Azure AI "
        "Foundry > Deployments (the model= / deployment, not the model's name), and the "
        "resource that holds it (AZURE_OPENAI_ENDPOINT).",
    )


def azure_resource_not_found(ev: Evidence) -> Finding | None:
    """404 Resource not found: the path or api-version is wrong (`wrong_base_url`)."""
    if not _from_azure(ev) or ev.status != 404 or not said(ev.reply, "resource not found"):
        return None
    return finding(
        "wrong_base_url",
        f"Azure found no such path: AZURE_OPENAI_ENDPOINT must be {_AZURE.base_url}/ and "
        "requests go to /openai/deployments/<name>/... with a valid ?api-version= "
        "(OPENAI_API_VERSION), or /openai/v1/.",
    )
