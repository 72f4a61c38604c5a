"""The log event: every contract field, None where unknown, and no secret."""

from __future__ import annotations

import pytest

from authlens.credentials.keys import fingerprint_key
from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange
from authlens.output.events import build_event, level_of, sdk_of, shown_id_header
from tests.keyfactory import leaks, project_key
from tests.logdata import CONTRACT_FIELDS

KEY = project_key(7)


def exchange(**changes: object) -> Exchange:
    base: dict[str, object] = {
        "id": "a1",
        "provider": "openai",
        "method": "POST",
        "scheme": "https",
        "host": "api.openai.com",
        "path": f"/v1/chat/completions?key={KEY}",
        "request_headers": {
            "authorization": f"Bearer {KEY}",
            "x-client-request-id": "c1",
            "openai-organization": "org-abc123",
            "user-agent": "OpenAI/Python 1.109.1",
        },
        "started": 1_800_000_000.0,
        "ended": 1_800_000_000.25,
        "model": "gpt-4o",
        "status": 401,
        "response_headers": {"x-request-id": "req_1", "content-type": "application/json"},
        "response_body": b'{"error":{"message":"Incorrect API key provided",'
        b'"type":"invalid_request_error","param":null,"code":"invalid_api_key"}}',
    }
    base.update(changes)
    return Exchange(**base)  # type: ignore[arg-type]


def test_whole_event_for_a_rejected_key() -> None:
    """A 401 event carries the diagnosis, ids, fingerprint and redacted path."""
    ev = gather_evidence(exchange())
    event = build_event(ev, diagnose(ev))
    assert list(event) == CONTRACT_FIELDS
    fingerprint = fingerprint_key(KEY)
    assert event == {
        "timestamp": "2027-01-15T08:00:00.250Z",
        "level": "warning",
        "event": "exchange",
        "id": "a1",
        "client_request_id": "c1",
        "upstream_request_id": "req_1",
        "method": "POST",
        "host": "api.openai.com",
        "path": "/v1/chat/completions?key=%5BREDACTED%5D",
        "status": 401,
        "duration_ms": 250.0,
        "cause": event["cause"],
        "hint": event["hint"],
        "answered_by": "openai",
        "key": fingerprint,
        "organization": "org-abc123",
        "project": None,
        "model": "gpt-4o",
        "stream": False,
        "sdk": "openai-python 1.109.1",
        "client": None,
        "trace_id": None,
        "span_id": None,
    }
    assert event["cause"] is not None and event["hint"]
    assert not leaks(repr(event), KEY, "sk-proj-")


def test_success_has_no_cause() -> None:
    """A 200 is logged at info with cause and hint null."""
    ev = gather_evidence(exchange(status=200, response_body=None))
    event = build_event(ev, diagnose(ev))
    assert (event["level"], event["cause"], event["hint"]) == ("info", None, None)


@pytest.mark.parametrize(
    ("status", "level"),
    [(200, "info"), (302, "info"), (401, "warning"), (503, "error"), (None, "error")],
)
def test_levels(status: int | None, level: str) -> None:
    """info for 2xx/3xx, warning for 4xx, error for 5xx and failed connections."""
    assert level_of(status) == level


@pytest.mark.parametrize(
    ("headers", "sdk"),
    [
        ({"user-agent": "OpenAI/Python 1.109.1"}, "openai-python 1.109.1"),
        ({"user-agent": "AsyncOpenAI/Python 2.0.0"}, "openai-python 2.0.0"),
        ({"user-agent": "AzureOpenAI/Python 1.50.0"}, "openai-python 1.50.0"),
        ({"user-agent": "OpenAI/JS 5.23.2"}, "openai-node 5.23.2"),
        ({"x-stainless-lang": "go", "x-stainless-package-version": "1.2.3"}, "stainless-go 1.2.3"),
        ({"user-agent": "curl/8.5.0"}, "curl 8.5.0"),
        ({"user-agent": "python-httpx/0.28.1"}, "python-httpx 0.28.1"),
        ({"user-agent": "Python/3.12 aiohttp/3.14.5"}, "aiohttp 3.14.5"),
        ({"user-agent": "Java-http-client/17.0.15"}, "Java-http-client 17.0.15"),
        ({"user-agent": "Go-http-client/2.0"}, "Go-http-client 2.0"),
        ({"user-agent": "Mozilla/5.0 (X11) node-fetch"}, "Mozilla 5.0"),
        ({"user-agent": "Python/3.12"}, "Python 3.12"),
        ({}, None),
    ],
)
def test_sdk_of(headers: dict[str, str], sdk: str | None) -> None:
    """The SDK name and version from the User-Agent or X-Stainless-* headers."""
    assert sdk_of(headers) == sdk


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("org-AbC123", "org-AbC123"),
        ("proj_abc123", "proj_abc123"),
        ("Personal", "Personal"),
        (None, None),
        (project_key(3), fingerprint_key(project_key(3))),
    ],
)
def test_org_header_shown_or_fingerprinted(value: str | None, shown: str | None) -> None:
    """Ids and names are shown; a key pasted into the header is fingerprinted."""
    assert shown_id_header(value) == shown
