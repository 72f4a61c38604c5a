"""The diagnosis rules table and the precedence that picks one cause (contract section 7).

To add a cause: write a small function in the rule module of its side (`request_rules.py`,
`response_rules.py` and its siblings, `connection_rules.py`) and list it here, most specific
first within its table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from authlens.diagnosis import access_rules as ac
from authlens.diagnosis import account_rules as acc
from authlens.diagnosis import azure_rules as az
from authlens.diagnosis import connection_rules as cn
from authlens.diagnosis import fallback_rules as fb
from authlens.diagnosis import policy_rules as po
from authlens.diagnosis import request_rules as rq
from authlens.diagnosis import response_rules as rs
from authlens.diagnosis import token_rules as tk
from authlens.diagnosis.evidence import Evidence
from authlens.exchange import Finding, Side

Rule = Callable[[Evidence], Finding | None]

# Most specific first. `credential_value` covers every key code (empty, quoted, placeholder,
# wrong header or scheme, other provider, ...) in the order of `classify.KEY_CHECKS`.
REQUEST_RULES: tuple[Rule, ...] = (
    rq.missing_credentials,
    rq.credential_value,
    rq.admin_key_misuse,
    rq.organization_invalid,
    rq.project_not_an_id,
)

# Who answered decides what the rest means, so it comes first; the generic answers last.
RESPONSE_RULES: tuple[Rule, ...] = (
    tk.token_exchange_failed,  # an OAuth answer, whatever profile the token host has
    rs.rejected_by_intermediary,
    rs.key_changed_in_transit,
    az.azure_apim_missing_key,
    az.azure_token_invalid,
    az.azure_permission_denied,
    az.azure_invalid_key,
    az.azure_network_blocked,
    az.azure_deployment_not_found,
    az.azure_resource_not_found,
    acc.organization_mismatch,
    acc.project_mismatch,
    acc.organization_invalid,
    acc.no_organization,
    acc.account_deactivated,
    acc.ip_not_allowed,
    acc.session_key_required,
    acc.insufficient_permissions,
    po.wrong_regional_host,
    po.organization_unverified,
    ac.region_unsupported,
    po.billing_not_active,
    ac.insufficient_quota,
    ac.rate_limited,
    ac.model_access_denied,
    ac.wrong_base_url,
    po.forbidden_by_policy,
    rs.key_revoked,
    rs.invalid_api_key,
    rs.unknown_401,
    fb.upstream_error,  # last: no error response is left without a cause
)

CONNECTION_RULES: tuple[Rule, ...] = (
    cn.client_tls_failed,
    cn.upstream_tls_failed,
    cn.upstream_unreachable,
    cn.upstream_disconnected,
    cn.client_disconnected,
)

# Upstream answers that only say "no" without naming why: a request-side finding outranks them.
# Azure's "invalid subscription key" and "access token is missing, invalid, ..." are Azure's
# generic answers: an OpenAI key in api-key, or an Azure key sent as Bearer, explains them.
# `upstream_error` too: a key defect can surface as a non-auth error (a line break in the key
# splits the request, "you must provide a model parameter").
GENERIC_CAUSES = frozenset(
    {"invalid_api_key", "unknown_401", "azure_invalid_key", "azure_token_invalid", "upstream_error"}
)


def first_finding(rules: Sequence[Rule], ev: Evidence) -> Finding | None:
    for rule in rules:
        if (finding := rule(ev)) is not None:
            return finding
    return None


def choose(request: Finding | None, response: Finding | None) -> Finding | None:
    """The one finding that names the root of the problem (a connection's is decided first)."""
    if request is None:
        return response
    if response is None or response.cause in GENERIC_CAUSES or response.cause in request.explains:
        return request
    return response


def diagnose(ev: Evidence) -> Finding | None:
    """The cause of a failed exchange, or None for a success (status < 400)."""
    if ev.exchange.failure is None and (ev.status is None or ev.status < 400):
        return None
    connection = first_finding(CONNECTION_RULES, ev)
    if connection is not None:
        return connection
    # A token endpoint authenticates by its form: no key header is missing there.
    request = None if tk.is_token_request(ev.exchange) else first_finding(REQUEST_RULES, ev)
    chosen = choose(request, first_finding(RESPONSE_RULES, ev))
    return fb.name_background_caller(ev, chosen)


__all__ = ["CONNECTION_RULES", "REQUEST_RULES", "RESPONSE_RULES", "Rule", "Side", "diagnose"]
