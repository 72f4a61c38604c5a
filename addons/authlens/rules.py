"""The diagnosis rules table and the precedence that picks one cause (contract section 7).

To add a cause: write a small function in `request_rules.py` or `response_rules.py` (or
`connection_rules.py`) and list it here, most specific first within its table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from authlens import request_rules as rq
from authlens import response_rules as rs
from authlens.evidence import Evidence
from authlens.exchange import Finding, Side

Rule = Callable[[Evidence], Finding | None]

REQUEST_RULES: tuple[Rule, ...] = (
    rq.missing_credentials,
    rq.wrong_auth_scheme,
    rq.empty_key,
)

RESPONSE_RULES: tuple[Rule, ...] = (
    rs.organization_mismatch,
    rs.project_mismatch,
    rs.invalid_api_key,
    rs.unknown_401,
)

CONNECTION_RULES: tuple[Rule, ...] = ()

# Upstream answers that only say "no" without naming why: a request-side finding outranks them.
GENERIC_CAUSES = frozenset({"invalid_api_key", "unknown_401"})


def first_finding(rules: Sequence[Rule], ev: Evidence) -> Finding | None:
    for rule in rules:
        if (finding := rule(ev)) is not None:
            return finding
    return None


def choose(
    request: Finding | None, response: Finding | None, connection: Finding | None
) -> Finding | None:
    """The one finding that names the root of the problem."""
    if connection is not None:
        return connection
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
    return choose(first_finding(REQUEST_RULES, ev), first_finding(RESPONSE_RULES, ev), None)


__all__ = ["CONNECTION_RULES", "REQUEST_RULES", "RESPONSE_RULES", "Rule", "Side", "diagnose"]
