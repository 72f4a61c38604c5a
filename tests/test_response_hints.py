"""Response-side hints: what they say (when a key worked, which scopes are missing, who
answered) and what they never carry (the key, a quoted secret)."""

from __future__ import annotations

from typing import Any

import pytest

from authlens.diagnosis.history import KeySeen
from authlens.diagnosis.rules import RESPONSE_RULES, first_finding
from authlens.exchange import Side
from tests.keyfactory import admin_key, leaks, legacy_key, project_key
from tests.replies import AZURE_HEADERS, NOW, SCOPES, echo, evidence, incorrect, openai_error

KEY = project_key(1)
OTHER = project_key(2)
LEGACY = legacy_key(3)


def _hint(**kwargs: Any) -> str:
    finding = first_finding(RESPONSE_RULES, evidence(**kwargs))
    assert finding is not None
    assert finding.side is Side.RESPONSE
    return finding.hint


def test_key_revoked_hint_says_when() -> None:
    """The hint names the time the key last worked, without the date on the same day."""
    hint = _hint(key=KEY, seen=KeySeen(NOW - 2 * 3600, None, None), body=incorrect(echo(KEY)))
    assert "worked at 13:06 UTC" in hint
    assert "revoked or rotated" in hint


def test_key_revoked_hint_has_the_date_for_older_successes() -> None:
    """A success on another day is shown with its date."""
    hint = _hint(key=KEY, seen=KeySeen(NOW - 3 * 86400, None, None), body=incorrect(echo(KEY)))
    assert "2025-06-12 15:06 UTC" in hint


@pytest.mark.parametrize(
    ("code", "seen", "sent", "expected"),
    [
        (
            "mismatched_organization",
            KeySeen(NOW - 60, "acme", None),
            {"openai-organization": "org-Bad1"},
            ["worked with organization acme", "org-Bad1", "OPENAI_ORG_ID"],
        ),
        (
            "mismatched_project",
            KeySeen(NOW - 60, None, "proj_Good1"),
            {"openai-project": "proj_Bad1"},
            ["worked with project proj_Good1", "proj_Bad1", "OPENAI_PROJECT_ID"],
        ),
        (
            "invalid_organization",
            KeySeen(NOW - 60, "acme", None),
            {"openai-organization": "Personal"},
            ["'Personal'", "worked with organization acme"],
        ),
    ],
)
def test_mismatch_hints_name_what_worked(
    code: str, seen: KeySeen, sent: dict[str, str], expected: list[str]
) -> None:
    """Mismatch hints name the value sent and the org/project that worked with this key."""
    hint = _hint(key=KEY, seen=seen, request_headers=sent, body=openai_error("", code))
    for needle in expected:
        assert needle in hint


def test_mismatch_hint_never_repeats_a_key_pasted_as_organization() -> None:
    """A key pasted into OpenAI-Organization is not echoed in the hint."""
    hint = _hint(
        key=KEY,
        request_headers={"openai-organization": OTHER},
        body=openai_error("", "mismatched_organization"),
    )
    assert not leaks(hint, OTHER, "sk-proj-")
    assert "sk-proj-" not in hint


@pytest.mark.parametrize(
    ("scopes", "shown"),
    [
        ("model.request", "model.request"),
        ("api.management.read", "api.management.read"),
        ("model.request, api.model.read", "model.request, api.model.read"),
    ],
)
def test_insufficient_permissions_lists_scopes(scopes: str, shown: str) -> None:
    """The missing scopes are listed in the hint."""
    assert f"lacks scopes: {shown}." in _hint(key=KEY, body=openai_error(SCOPES.format(scopes)))


def test_changed_in_transit_hint_says_what_differs() -> None:
    """The hint says which part differs, never the characters."""
    hint = _hint(key=KEY, body=incorrect(echo(OTHER)))
    assert "the last 4" in hint
    assert OTHER[-4:] not in hint


@pytest.mark.parametrize(
    ("who", "headers", "body", "needle"),
    [
        (
            "nginx",
            {"content-type": "text/html", "server": "nginx/1.25.3"},
            b"<html></html>",
            "Server: nginx/1.25.3, an HTML page",
        ),
        (
            "litellm",
            {"x-litellm-version": "1.5"},
            openai_error("litellm: bad", "401"),
            "a LiteLLM proxy",
        ),
        (
            "one-api",
            {},
            openai_error("quota (request id: 2024072510422562)", "x"),
            "one-api/new-api relay",
        ),
    ],
)
def test_intermediary_hint_names_who_answered(
    who: str, headers: dict[str, str], body: object, needle: str
) -> None:
    """rejected_by_intermediary says who answered."""
    assert needle in _hint(key=KEY, response_headers=headers, body=body), who


def test_hints_never_carry_the_key_or_a_quoted_secret() -> None:
    """Quoted upstream text is redacted: neither the key sent nor another key leaks."""
    body = openai_error(f"bad credentials {KEY} and {OTHER}")
    hint = _hint(key=KEY, body=body)
    assert not leaks(hint, KEY, "sk-proj-")
    assert not leaks(hint, OTHER, "sk-proj-")


@pytest.mark.parametrize(
    "key", [KEY, admin_key(5), "sk-svcacct-" + "A" * 70 + "T3Blbk" + "FJ" + "B" * 70]
)
def test_fingerprint_in_hint_is_intact(key: str) -> None:
    """The key's fingerprint appears in the invalid_api_key hint exactly as in the log."""
    ev = evidence(key=key, body=incorrect(echo(key)))
    finding = first_finding(RESPONSE_RULES, ev)
    assert finding is not None
    assert ev.key is not None
    assert ev.key in finding.hint


def test_azure_replies_are_not_read_as_openai() -> None:
    """An Azure 401 is an Azure cause, not an OpenAI one."""
    body = {
        "error": {
            "code": "401",
            "message": "Access denied due to invalid subscription key or wrong API endpoint.",
        }
    }
    ev = evidence(
        host="r.openai.azure.com",
        request_headers={"api-key": "a" * 32},
        response_headers=AZURE_HEADERS,
        body=body,
    )
    finding = first_finding(RESPONSE_RULES, ev)
    assert finding is not None
    assert finding.cause == "azure_invalid_key"
