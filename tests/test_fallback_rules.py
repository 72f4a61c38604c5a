"""No error without a cause (`upstream_error`), key defects behind non-auth errors, and the
Agents SDK trace exporter named whatever its key problem is."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.rules import diagnose
from tests.keyfactory import body, leaks, project_key
from tests.replies import OPENAI_HEADERS, evidence, exchange, openai_error

KEY = project_key(41)


def diagnosed(**kwargs: Any) -> tuple[str | None, str]:
    finding = diagnose(evidence(**kwargs))
    return (finding.cause, finding.hint) if finding else (None, "")


@given(
    status=st.integers(400, 599).filter(lambda s: s not in (401, 429)),
    error_type=st.from_regex(r"[a-z_]{3,20}", fullmatch=True),
)
def test_every_error_status_gets_a_cause(status: int, error_type: str) -> None:
    """Any status >= 400 with an unknown answer is upstream_error quoting type and ids."""
    body_ = openai_error("Something we never saw.", None, error_type)
    headers = {**OPENAI_HEADERS, "x-request-id": "req_0123456789abcdef"}
    cause, hint = diagnosed(
        key=KEY,
        status=status,
        body=body_,
        response_headers=headers,
        request_headers={"x-client-request-id": "my-trace-42"},
    )
    assert cause is not None
    if cause == "upstream_error":
        assert error_type in hint
        assert "req_0123456789abcdef" in hint or status < 500
        assert "my-trace-42" in hint or status < 500


def test_upstream_error_hint_is_redacted() -> None:
    """A key the upstream quotes back is not repeated."""
    message = f"Bad request for key {KEY} and token {body(40, 2)}"
    cause, hint = diagnosed(key=KEY, status=400, body=openai_error(message, "bad_thing"))
    assert cause == "upstream_error"
    assert not leaks(hint, KEY, "sk-proj-")


def test_lost_body_hints_at_a_line_break_in_the_key() -> None:
    """400 'you must provide a model parameter' with no body: the key split the request."""
    ex = exchange(
        status=400,
        body=openai_error("you must provide a model parameter"),
        request_headers={"authorization": f"Bearer {KEY}"},
    )
    finding = diagnose(gather_evidence(dataclasses.replace(ex, request_body=b"")))
    assert finding is not None
    assert finding.cause == "upstream_error"
    assert "line break at the end of the API key" in finding.hint


@pytest.mark.parametrize("defect", ["\r", "\n", " \t", "\u00a0"])
@pytest.mark.parametrize(
    "answer",
    [
        openai_error("you must provide a model parameter"),
        openai_error("Illegal header value b'Bearer ...'"),
        openai_error("Invalid header value", "invalid_header"),
    ],
)
def test_key_defect_wins_over_a_non_auth_error(defect: str, answer: object) -> None:
    """A key with a line break or odd blank answered by a 400: the request-side finding wins."""
    cause, _ = diagnosed(key=KEY + defect, status=400, body=answer)
    assert cause in {"whitespace_in_key", "non_ascii_key"}


OPENROUTER = "sk-or-v1-" + body(64, 3, "0123456789abcdef")
ECHO = f"{OPENROUTER[:8]}{'*' * (len(OPENROUTER) - 12)}{OPENROUTER[-4:]}"
INCORRECT = openai_error(
    f"Incorrect API key provided: {ECHO}. You can find your API key at "
    "https://platform.openai.com/account/api-keys.",
    "invalid_api_key",
)


@pytest.mark.parametrize(
    "key", [OPENROUTER, "sk-" + body(32, 8, "0123456789abcdef"), "no-token", project_key(42)]
)
def test_trace_exporter_is_named_for_any_key_problem(key: str) -> None:
    """/v1/traces/ingest refused for its key: the exporter, how to turn it off or give it a key."""
    cause, hint = diagnosed(key=key, path="/v1/traces/ingest", body=INCORRECT)
    assert cause is not None
    assert hint.startswith("This request is the Agents SDK trace exporter")
    assert "set_tracing_disabled(True)" in hint
    assert "set_tracing_export_api_key" in hint


def test_model_calls_are_not_called_the_exporter() -> None:
    """The same key problem on chat completions says nothing about tracing."""
    _, hint = diagnosed(key=OPENROUTER, path="/v1/chat/completions", body=INCORRECT)
    assert "trace exporter" not in hint


def test_openai_key_at_another_providers_default_endpoint_says_which_side() -> None:
    """An OpenAI key at Anthropic's default endpoint: change the key or the base URL."""
    anthropic_answer = {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid x-api-key"},
    }
    cause, hint = diagnosed(
        host="api.anthropic.com",
        path="/v1/messages",
        body=anthropic_answer,
        request_headers={"x-api-key": KEY},
        response_headers={"content-type": "application/json", "request-id": "req_011CX"},
    )
    assert cause == "other_provider_key"
    assert "https://api.openai.com/v1" in hint
    assert "console.anthropic.com" in hint
