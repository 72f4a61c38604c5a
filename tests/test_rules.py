"""Precedence (contract section 7): which finding names the root of the problem."""

from __future__ import annotations

import dataclasses

import pytest

from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.rules import GENERIC_CAUSES, RESPONSE_RULES, choose, diagnose
from authlens.exchange import Failure, Finding, Side
from tests.keyfactory import project_key
from tests.replies import evidence, exchange, openai_error

KEY = project_key(1)


def req(cause: str, explains: frozenset[str] = frozenset()) -> Finding:
    return Finding(cause, f"{cause} hint", Side.REQUEST, explains)


def resp(cause: str) -> Finding:
    return Finding(cause, f"{cause} hint", Side.RESPONSE)


ADMIN = req("admin_key_misuse", frozenset({"insufficient_permissions"}))

PRECEDENCE = [
    # (request, response, winner)
    (None, None, None),
    (req("quoted_key"), None, "quoted_key"),
    (None, resp("invalid_api_key"), "invalid_api_key"),
    # Request-side outranks the generic answers.
    (req("quoted_key"), resp("invalid_api_key"), "quoted_key"),
    (req("wrong_auth_scheme"), resp("unknown_401"), "wrong_auth_scheme"),
    (req("other_provider_key"), resp("azure_invalid_key"), "other_provider_key"),
    (req("key_in_wrong_header"), resp("azure_token_invalid"), "key_in_wrong_header"),
    # A request finding that explains the specific answer wins.
    (ADMIN, resp("insufficient_permissions"), "admin_key_misuse"),
    # Otherwise the upstream's specific code wins.
    (ADMIN, resp("organization_mismatch"), "organization_mismatch"),
    (req("quoted_key"), resp("insufficient_permissions"), "insufficient_permissions"),
    (req("quoted_key"), resp("organization_mismatch"), "organization_mismatch"),
    (req("placeholder_key"), resp("project_mismatch"), "project_mismatch"),
    (req("malformed_key"), resp("insufficient_quota"), "insufficient_quota"),
    (req("quoted_key"), resp("region_unsupported"), "region_unsupported"),
    (req("quoted_key"), resp("key_revoked"), "key_revoked"),
    (req("quoted_key"), resp("key_changed_in_transit"), "key_changed_in_transit"),
    (
        req("missing_credentials"),
        resp("rejected_by_intermediary"),
        "rejected_by_intermediary",
    ),
    (req("organization_invalid"), resp("organization_invalid"), "organization_invalid"),
]


@pytest.mark.parametrize(("request_finding", "response", "winner"), PRECEDENCE)
def test_precedence(
    request_finding: Finding | None, response: Finding | None, winner: str | None
) -> None:
    """The contract's precedence between request and response findings."""
    chosen = choose(request_finding, response)
    assert (chosen.cause if chosen else None) == winner


def test_generic_causes_are_the_upstream_no_without_why() -> None:
    """Only the answers that name no reason are outranked by any request-side finding."""
    assert {
        "invalid_api_key",
        "unknown_401",
        "azure_invalid_key",
        "azure_token_invalid",
        "upstream_error",
    } == GENERIC_CAUSES


def test_every_response_rule_is_listed_once() -> None:
    """No rule is listed twice in the response table."""
    assert len(set(RESPONSE_RULES)) == len(RESPONSE_RULES)


DIDNT = openai_error("You didn't provide an API key.")


@pytest.mark.parametrize(
    ("kwargs", "cause"),
    [
        ({"status": 200, "body": None}, None),
        ({"status": 304, "body": None}, None),
        ({"body": DIDNT}, "missing_credentials"),
        ({"body": openai_error("", "mismatched_organization")}, "organization_mismatch"),
        (
            {
                "status": 429,
                "body": openai_error("You exceeded your current quota", "insufficient_quota"),
            },
            "insufficient_quota",
        ),
        (
            {"request_headers": {"authorization": f"Basic {KEY}"}, "body": DIDNT},
            "wrong_auth_scheme",
        ),
        (
            {
                "request_headers": {"authorization": f"Basic {KEY}"},
                "status": 403,
                "body": openai_error(
                    "Country, region, or territory not supported",
                    "unsupported_country_region_territory",
                ),
            },
            "region_unsupported",
        ),
        ({"request_headers": {"authorization": "Bearer "}, "body": DIDNT}, "empty_key"),
    ],
)
def test_diagnose_end_to_end(kwargs: dict[str, object], cause: str | None) -> None:
    """diagnose() applies the tables and the precedence; successes have no cause."""
    finding = diagnose(evidence(**kwargs))  # type: ignore[arg-type]
    assert (finding.cause if finding else None) == cause


def test_failed_connection_is_diagnosed_without_a_status() -> None:
    """A connection failure is diagnosed even though no status came back."""
    failed = dataclasses.replace(
        exchange(), status=None, failure=Failure("upstream_unreachable", "connect call failed")
    )
    finding = diagnose(gather_evidence(failed))
    assert finding is not None
    assert finding.side is Side.CONNECTION


def test_connection_failure_outranks_a_request_finding() -> None:
    """Nothing reached the upstream: a quoted key sent is not why the host was unreachable."""
    quoted = {"authorization": f'Bearer "{KEY}"'}
    failure = Failure("upstream_unreachable", "connect call failed")
    failed = dataclasses.replace(
        exchange(request_headers=quoted), status=None, response_headers={}, failure=failure
    )
    finding = diagnose(gather_evidence(failed))
    assert finding is not None
    assert finding.cause == "upstream_unreachable"
