"""Request-side rules: what was sent. Each returns a Finding or None.

Rules here read only the request; they run for every error response and are ordered most
specific first in `rules.REQUEST_RULES`. The credential and the org/project headers are judged
by `classify`, the classifier `authlens explain` and `authlens check` use too; the order among
the key codes (quoted before non-ASCII, ...) is `classify.KEY_CHECKS`.
"""

from __future__ import annotations

from authlens.credentials.classify import (
    classify_admin_use,
    classify_credential,
    classify_organization,
    classify_project,
)
from authlens.credentials.keys import is_fingerprint
from authlens.diagnosis.evidence import Evidence
from authlens.exchange import Finding, Side
from authlens.providers import AZURE
from authlens.registry import PROVIDERS


def missing_credentials(ev: Evidence) -> Finding | None:
    """No credential anywhere in the request."""
    if ev.credentials:
        return None
    if ev.exchange.provider == AZURE:
        azure = PROVIDERS[AZURE]
        hint = (
            f"No credential was sent: send '{azure.key_headers[0]}: <key>' "
            f"({azure.variables[0]}) or 'Authorization: Bearer <Entra ID token>'."
        )
    else:
        hint = (
            "No API key was sent: set OPENAI_API_KEY in the client's environment (or pass "
            "api_key=) so it sends 'Authorization: Bearer <key>'."
        )
    return Finding("missing_credentials", hint, Side.REQUEST)


def credential_value(ev: Evidence) -> Finding | None:
    """The credential the upstream reads: its value, its header, its scheme (classify.py)."""
    if ev.credential is None:
        return None
    return classify_credential(ev.credential, provider=ev.exchange.provider, host=ev.exchange.host)


def admin_key_misuse(ev: Evidence) -> Finding | None:
    """An admin key on a non-admin endpoint, or a non-admin key on /v1/organization/..."""
    cred = ev.credential
    if cred is None or ev.exchange.provider == AZURE or is_fingerprint(cred.token):
        return None
    return classify_admin_use(cred.token, path=ev.exchange.path)


def organization_invalid(ev: Evidence) -> Finding | None:
    """`OpenAI-Organization` that is not an `org-...` id (a name, empty, a pasted key)."""
    value = ev.exchange.request_headers.get("openai-organization")
    return None if value is None else classify_organization(value)


def project_not_an_id(ev: Evidence) -> Finding | None:
    """`OpenAI-Project` that is not a `proj_...` id: reported as `project_mismatch`."""
    value = ev.exchange.request_headers.get("openai-project")
    return None if value is None else classify_project(value)
