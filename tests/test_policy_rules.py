"""Billing, data residency, verification and policy answers: by structure, not one sentence."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authlens.diagnosis.rules import diagnose
from tests.keyfactory import leaks, project_key
from tests.replies import evidence, openai_error

KEY = project_key(31)
RATE_HEADERS = {
    "content-type": "application/json",
    "x-request-id": "req_805398c06fec4ad79e181dca89d1b6f6",
    "retry-after": "20",
}


def diagnosed(**kwargs: Any) -> tuple[str | None, str]:
    finding = diagnose(evidence(key=KEY, **kwargs))
    return (finding.cause, finding.hint) if finding else (None, "")


@pytest.mark.parametrize("status", [429, 401, 403])
@pytest.mark.parametrize(
    "body",
    [
        openai_error(
            "Your account is not active, please check your billing details on our website.",
            None,
            "billing_not_active",
        ),
        openai_error("Billing is inactive for this organization.", None),
        openai_error("Something new.", "billing_not_active"),
        openai_error("Your billing account is not activated yet; add a payment method.", None),
    ],
)
def test_billing_not_active_wins_over_rate_limited(status: int, body: object) -> None:
    """Type/code billing_not_active, or 'billing' with 'not active': never 'retry later'."""
    cause, hint = diagnosed(status=status, body=body, response_headers=RATE_HEADERS)
    assert cause == "billing_not_active"
    assert "retrying will not help" in hint


def test_rate_limit_that_mentions_billing_elsewhere_stays_rate_limited() -> None:
    """'billing' alone is not enough: a real rate limit keeps its cause."""
    body = openai_error("Rate limit reached. See billing and limits for details.", None)
    assert diagnosed(status=429, body=body)[0] == "rate_limited"


@given(region=st.from_regex(r"[a-z]{2}", fullmatch=True), sent=st.sampled_from(["api", "eu"]))
def test_regional_host_is_named_from_the_message(region: str, sent: str) -> None:
    """Any region's host in the message is the one to use; the host sent is not proposed."""
    target = f"{region}.api.openai.com"
    message = (
        "Attempted to access resource with incorrect regional hostname. Please make your "
        f"request to {target}"
    )
    host = "api.openai.com" if sent == "api" else "eu.api.openai.com"
    cause, hint = diagnosed(body=openai_error(message, None), host=host)
    assert cause == "wrong_regional_host"
    if target != host:
        assert f"https://{target}/v1" in hint


@pytest.mark.parametrize(
    "message",
    [
        "Wrong regional hostname for this project; use eu.api.openai.com instead.",
        "This project requires its region's host: eu.api.openai.com",
    ],
)
def test_regional_host_other_wordings(message: str) -> None:
    """Reworded answers keep the cause and the host."""
    cause, hint = diagnosed(body=openai_error(message, None), status=403)
    assert cause == "wrong_regional_host"
    assert "eu.api.openai.com/v1" in hint


def test_regional_host_without_a_named_host_still_says_where() -> None:
    """No host in the message: the hint lists the data-residency hosts."""
    body = openai_error("Request sent to the wrong regional hostname for this project.", None)
    cause, hint = diagnosed(body=body)
    assert cause == "wrong_regional_host"
    assert "us.api.openai.com" in hint


@pytest.mark.parametrize(
    ("message", "needed"),
    [
        (
            "Your organization must be verified to stream this model. Please go to: "
            "https://platform.openai.com/settings/organization/general and click on Verify "
            "Organization.",
            "to stream this model",
        ),
        ("Your organization must be verified to use the model `gpt-image-1`.", "to use the"),
        ("Organisation verification is required to generate images with this model.", ""),
    ],
)
def test_organization_unverified(message: str, needed: str) -> None:
    """What needs verification is quoted; streaming answers suggest stream=false."""
    body = {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": "stream",
            "code": "unsupported_value",
        }
    }
    cause, hint = diagnosed(status=400, body=body, model="o3")
    assert cause == "organization_unverified"
    assert needed in hint
    assert "settings/organization/general" in hint
    assert ("stream=true" in hint) is ("stream" in message)


def test_zdr_forbidden_on_traces_names_the_exporter() -> None:
    """403 zdr_forbidden on /v1/traces/ingest: the Agents SDK exporter and how to turn it off."""
    body = openai_error(
        "Traces ingestion is not permitted for zero data retention organizations.",
        "zdr_forbidden",
    )
    cause, hint = diagnosed(status=403, body=body, path="/v1/traces/ingest")
    assert cause == "forbidden_by_policy"
    assert "set_tracing_disabled(True)" in hint
    assert "OPENAI_AGENTS_DISABLE_TRACING=1" in hint


@pytest.mark.parametrize(
    "body",
    [
        openai_error("This operation is disabled by your organization's policy.", None),
        openai_error("Something.", "file_upload_forbidden"),
        openai_error("Stored completions are not allowed for zero data retention projects.", None),
    ],
)
def test_other_policy_refusals(body: object) -> None:
    """Any organization policy refusal is forbidden_by_policy, not a key problem."""
    cause, hint = diagnosed(status=403, body=body, path="/v1/files")
    assert cause == "forbidden_by_policy"
    assert not leaks(hint, KEY, "sk-proj-")


def test_plain_forbidden_is_upstream_error() -> None:
    """A 403 that names no policy stays the catch-all."""
    assert diagnosed(status=403, body=openai_error("Forbidden"))[0] == "upstream_error"


@pytest.mark.parametrize(
    "message",
    [
        "Item with id 'rs_1' not found. Items are not persisted for Zero Data Retention "
        "organizations. Remove this item from your input and try again.",
        "Previous responses cannot be referenced: this is a ZDR organization.",
        "Background mode is unavailable under zero-data-retention.",
    ],
)
def test_zero_data_retention_named_as_the_reason(message: str) -> None:
    """A 400 that names zero data retention is the organization's setting, whatever the verb."""
    cause, _ = diagnosed(status=400, body=openai_error(message, None), path="/v1/responses")
    assert cause == "forbidden_by_policy"


def test_gateway_wrapped_provider_error_is_read() -> None:
    """OpenRouter's 'Provider returned error' carries OpenAI's own answer in metadata.raw."""
    inner = openai_error("Your organization must be verified to stream this model.", None)
    body = {
        "error": {
            "message": "Provider returned error",
            "code": 400,
            "metadata": {"raw": json.dumps(inner), "provider_name": "OpenAI"},
        }
    }
    cause, hint = diagnosed(status=400, body=body, host="openrouter.ai")
    assert cause == "organization_unverified"
    assert "stream" in hint
