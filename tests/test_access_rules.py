"""403/404/429 rules: region, model access, wrong base URL, quota and rate limits."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from authlens.diagnosis.rules import RESPONSE_RULES, first_finding
from tests.keyfactory import project_key
from tests.replies import OPENAI_HEADERS, evidence, openai_error

KEY = project_key(1)
REGION = {
    "error": {
        "code": "unsupported_country_region_territory",
        "message": "Country, region, or territory not supported",
        "param": None,
        "type": "request_forbidden",
    }
}
QUOTA = "You exceeded your current quota, please check your plan and billing details."
UNKNOWN_URL = "Unknown request URL: POST {}. Please check the URL for typos."


def finding_of(**kwargs: Any) -> tuple[str | None, str]:
    finding = first_finding(RESPONSE_RULES, evidence(key=KEY, **kwargs))
    return (finding.cause, finding.hint) if finding else (None, "")


@pytest.mark.parametrize(
    ("kwargs", "cause"),
    [
        ({"status": 403, "body": REGION}, "region_unsupported"),
        (
            {"status": 403, "body": openai_error("Country, region, or territory not supported")},
            "region_unsupported",
        ),
        (
            {"status": 403, "body": openai_error("x", "unsupported_country_region_territory")},
            "region_unsupported",
        ),
        (
            {
                "status": 403,
                "body": openai_error(
                    "Project `proj_QRf1` does not have access to model `gpt-4o-mini`",
                    "model_not_found",
                ),
            },
            "model_access_denied",
        ),
        (
            {
                "status": 404,
                "body": openai_error(
                    "The model `nope` does not exist or you do not have access to it.",
                    "model_not_found",
                ),
            },
            "model_access_denied",
        ),
        (
            {
                "status": 404,
                "body": openai_error("The model: `gpt-4` does not exist", "model_not_found"),
            },
            "model_access_denied",
        ),
        (
            {"status": 403, "body": openai_error("You are not allowed to sample from this model")},
            "model_access_denied",
        ),
        (
            {
                "status": 404,
                "path": "/chat/completions",
                "body": openai_error(UNKNOWN_URL.format("/chat/completions"), "unknown_url"),
            },
            "wrong_base_url",
        ),
        (
            {
                "status": 404,
                "path": "/v1/v1/chat/completions",
                "body": openai_error("Invalid URL (POST /v1/v1/chat/completions)"),
            },
            "wrong_base_url",
        ),
        (
            {
                "status": 404,
                "path": "/v1/chat/completions/chat/completions",
                "body": openai_error("Invalid URL (POST /v1/chat/completions/chat/completions)"),
            },
            "wrong_base_url",
        ),
        ({"status": 404, "body": openai_error("Some other 404")}, "upstream_error"),
        (
            {
                "status": 429,
                "body": openai_error(QUOTA, "insufficient_quota", "insufficient_quota"),
            },
            "insufficient_quota",
        ),
        (
            {"status": 429, "body": openai_error(QUOTA, None, "insufficient_quota")},
            "insufficient_quota",
        ),
        (
            {
                "status": 429,
                "body": openai_error(
                    "Your credit balance is too low", "billing_hard_limit_reached"
                ),
            },
            "insufficient_quota",
        ),
        (
            {
                "status": 429,
                "body": openai_error(
                    "Rate limit reached for requests", "rate_limit_exceeded", "requests"
                ),
            },
            "rate_limited",
        ),
        ({"status": 429, "body": b""}, "rate_limited"),
        (
            {
                "status": 429,
                "host": "api.groq.com",
                "response_headers": {"x-groq-region": "us"},
                "body": b"{}",
            },
            "rate_limited",
        ),
        ({"status": 400, "body": openai_error(QUOTA, "insufficient_quota")}, "upstream_error"),
    ],
)
def test_access_causes(kwargs: dict[str, Any], cause: str | None) -> None:
    """403, 404 and 429 answers map to their causes; other statuses do not."""
    assert finding_of(**kwargs)[0] == cause


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("/chat/completions", "lacks /v1: set OPENAI_BASE_URL=https://api.openai.com/v1"),
        ("/v1/v1/chat/completions", "/v1 twice"),
        ("/v1/v1", "/v1 twice"),
        ("/v1/chat/completions/chat/completions", "repeats the endpoint"),
        ("/v1/responses/v1/responses", "repeats the endpoint"),
        ("/v1/chat/completion", "is not an endpoint"),
        ("/v1/models?api_key=" + KEY, "is not an endpoint"),
    ],
)
def test_wrong_base_url_reads_the_request_path(path: str, needle: str) -> None:
    """The hint says what is wrong with the path: missing, doubled /v1, endpoint as base."""
    cause, hint = finding_of(
        status=404, path=path, body=openai_error(UNKNOWN_URL.format(path), "unknown_url")
    )
    assert cause == "wrong_base_url"
    assert needle in hint
    assert KEY[10:30] not in hint


@pytest.mark.parametrize("path", ["/chat/completions", "/v1/v1/models"])
def test_in_reverse_mode_wrong_base_url_names_the_proxy_not_the_upstream(path: str) -> None:
    """Following the hint must keep traffic on authlens: name the proxy's own URL."""
    ev = evidence(status=404, path=path, body=openai_error(UNKNOWN_URL.format(path), "unknown_url"))
    ev = dataclasses.replace(
        ev, exchange=dataclasses.replace(ev.exchange, proxy_url="http://127.0.0.1:8080")
    )
    found = first_finding(RESPONSE_RULES, ev)
    assert found is not None and found.cause == "wrong_base_url"
    assert "http://127.0.0.1:8080/v1" in found.hint
    assert "api.openai.com" not in found.hint


def test_reverse_proxy_url_from_the_client_connection() -> None:
    """Reverse mode: the address the client reached; other modes: none."""
    from mitmproxy.proxy import mode_specs
    from mitmproxy.test import tflow

    from authlens.proxy.flowdata import reverse_proxy_url

    client = tflow.tflow().client_conn
    assert reverse_proxy_url(client) is None
    client.proxy_mode = mode_specs.ProxyMode.parse("reverse:https://api.openai.com")
    client.sockname = ("127.0.0.1", 8081)
    client.timestamp_tls_setup = None  # plain HTTP from the app to the proxy
    assert reverse_proxy_url(client) == "http://127.0.0.1:8081"


def test_rate_limit_hint_has_retry_and_reset_values() -> None:
    """retry-after, retry-after-ms and x-ratelimit-* values appear in the hint."""
    headers = {
        **OPENAI_HEADERS,
        "retry-after": "27",
        "retry-after-ms": "26604",
        "x-ratelimit-reset-tokens": "26.604s",
        "x-ratelimit-remaining-requests": "0",
    }
    body = openai_error(
        "Rate limit reached for gpt-4 on tokens per min (TPM). Please try again in 26.604s.",
        "rate_limit_exceeded",
        "tokens",
    )
    cause, hint = finding_of(status=429, response_headers=headers, body=body)
    assert cause == "rate_limited"
    for needle in (
        "try again in 26.604s",
        "retry-after: 27",
        "retry-after-ms: 26604",
        "x-ratelimit-reset-tokens: 26.604s",
        "x-ratelimit-remaining-requests: 0",
    ):
        assert needle in hint


def test_rate_limit_hint_drops_odd_header_values() -> None:
    """Header values that are not plain text are left out of the hint."""
    headers = {**OPENAI_HEADERS, "retry-after": "<script>alert(1)</script>"}
    _, hint = finding_of(status=429, response_headers=headers, body=b"{}")
    assert "script" not in hint


def test_request_too_large_is_not_fixed_by_waiting() -> None:
    """A request larger than the TPM limit gets a hint to shrink it."""
    body = openai_error(
        "Request too large for gpt-4o in organization org-x on tokens per min (TPM): "
        "Limit 30000, Requested 31538.",
        "rate_limit_exceeded",
        "tokens",
    )
    cause, hint = finding_of(status=429, body=body)
    assert cause == "rate_limited"
    assert "max_tokens" in hint


@pytest.mark.parametrize(
    ("message", "model", "needles"),
    [
        (
            "Project `proj_QRf115` does not have access to model `gpt-4o-mini`",
            None,
            ["proj_QRf115", "gpt-4o-mini", "settings/proj_QRf115/limits"],
        ),
        (
            "The model `does-not-exist` does not exist or you do not have access to it.",
            None,
            ["does-not-exist", "/v1/models"],
        ),
        ("The model does not exist", "gpt-5-turbo", ["gpt-5-turbo"]),
    ],
)
def test_model_access_hint_names_model_and_project(
    message: str, model: str | None, needles: list[str]
) -> None:
    """The hint names the model and, when given, the project to change."""
    _, hint = finding_of(status=404, model=model, body=openai_error(message, "model_not_found"))
    for needle in needles:
        assert needle in hint


def test_quota_hint_points_at_billing() -> None:
    """insufficient_quota points at the billing page and says it is not a key problem."""
    _, hint = finding_of(status=429, body=openai_error(QUOTA, "insufficient_quota"))
    assert "settings/organization/billing" in hint
    assert "not a key problem" in hint


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (
            402,
            {
                "message": "Insufficient credits. Add more using "
                "https://openrouter.ai/settings/credits",
                "code": 402,
            },
        ),
        (
            402,
            {
                "message": "Insufficient Balance",
                "type": "unknown_error",
                "param": None,
                "code": "invalid_request_error",
            },
        ),
        (
            429,
            {
                "message": "Your credit balance is too low to access the API.",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            },
        ),
    ],
)
def test_no_credit_at_other_providers(status: int, error: dict[str, Any]) -> None:
    """Credit-based providers' 402 (or 429) 'no credit' is insufficient_quota, naming them."""
    headers = {"content-type": "application/json"}
    finding = first_finding(
        RESPONSE_RULES,
        evidence(
            key=KEY,
            status=status,
            body={"error": error},
            host="openrouter.ai",
            path="/api/v1/chat/completions",
            response_headers=headers,
        ),
    )
    assert finding is not None
    assert finding.cause == "insufficient_quota"
    assert "platform.openai.com" not in finding.hint
