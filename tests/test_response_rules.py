"""Response-side rules: what the upstream said, read with the key forwarded and its history.

Each table runs the whole response table (`rules.RESPONSE_RULES`, first match) so the order of
the rules is tested too.
"""

from __future__ import annotations

from typing import Any

import pytest

from authlens.diagnosis.history import KeySeen
from tests.keyfactory import legacy_key, project_key
from tests.replies import (
    DIDNT,
    NOW,
    SCOPES,
    cause_of,
    echo,
    incorrect,
    openai_error,
)

KEY = project_key(1)
OTHER = project_key(2)
LEGACY = legacy_key(3)


KEY_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("echo of the key sent", {"key": KEY, "body": incorrect(echo(KEY))}, "invalid_api_key"),
    ("legacy key echo", {"key": LEGACY, "body": incorrect(echo(LEGACY))}, "invalid_api_key"),
    ("short value in full", {"key": "DEADBEEF", "body": incorrect("DEADBEEF")}, "invalid_api_key"),
    (
        "old 3-character echo",
        {"key": LEGACY, "body": incorrect(LEGACY[:3] + "***" + LEGACY[-4:])},
        "invalid_api_key",
    ),
    (
        "realtime dotted echo",
        {"key": KEY, "body": incorrect("sk-proj-..." + KEY[-4:])},
        "invalid_api_key",
    ),
    ("code only", {"key": KEY, "body": openai_error("", "invalid_api_key")}, "invalid_api_key"),
    (
        "groq wording",
        {
            "key": KEY,
            "host": "api.groq.com",
            "response_headers": {"x-groq-region": "us"},
            "body": {
                "error": {
                    "message": "Invalid API Key",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                }
            },
        },
        "invalid_api_key",
    ),
    ("another key's echo", {"key": KEY, "body": incorrect(echo(OTHER))}, "key_changed_in_transit"),
    (
        "another kind's echo",
        {"key": KEY, "body": incorrect(echo(LEGACY))},
        "key_changed_in_transit",
    ),
    (
        "longer echo",
        {"key": LEGACY, "body": incorrect(echo(LEGACY[:8] + "xx" + LEGACY[8:]))},
        "key_changed_in_transit",
    ),
    (
        "placeholder echoed, key sent",
        {"key": KEY, "body": incorrect("undefined")},
        "key_changed_in_transit",
    ),
    (
        "dotted echo, other tail",
        {"key": KEY, "body": incorrect("sk-proj-...ZZZZ")},
        "key_changed_in_transit",
    ),
    ("key dropped on the way", {"key": KEY, "body": DIDNT}, "key_changed_in_transit"),
    (
        "openrouter saw no key",
        {
            "key": "sk-or-v1-" + "a" * 64,
            "host": "openrouter.ai",
            "response_headers": {},
            "body": {"error": {"message": "No auth credentials found", "code": 401}},
        },
        "key_changed_in_transit",
    ),
    ("no key sent, none seen", {"body": DIDNT}, "unknown_401"),
    ("malformed key, none seen", {"key": "not a key", "body": DIDNT}, "unknown_401"),
    (
        "echo of a key with spaces",
        {"key": KEY[:20] + " " + KEY[20:], "body": incorrect("sk-proj-****abcd")},
        "invalid_api_key",
    ),
    (
        "echo of a non-ASCII key",
        {"key": KEY[:20] + "\u200b" + KEY[20:], "body": incorrect("sk-proj-****abcd")},
        "invalid_api_key",
    ),
    (
        "intermediary says incorrect",
        {"key": KEY, "response_headers": {}, "body": incorrect(echo(OTHER))},
        "rejected_by_intermediary",
    ),
    (
        "revoked",
        {"key": KEY, "seen": KeySeen(NOW - 3600, None, None), "body": incorrect(echo(KEY))},
        "key_revoked",
    ),
    (
        "revoked, other wording",
        {
            "key": KEY,
            "seen": KeySeen(NOW - 60, None, None),
            "body": openai_error("", "invalid_api_key"),
        },
        "key_revoked",
    ),
    (
        "history does not hide a changed key",
        {"key": KEY, "seen": KeySeen(NOW - 60, None, None), "body": incorrect(echo(OTHER))},
        "key_changed_in_transit",
    ),
]

ACCOUNT_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    (
        "org mismatch",
        {
            "key": KEY,
            "body": openai_error(
                "OpenAI-Organization header should match organization for API key",
                "mismatched_organization",
            ),
        },
        "organization_mismatch",
    ),
    (
        "org mismatch, code only",
        {"key": KEY, "body": openai_error("", "mismatched_organization")},
        "organization_mismatch",
    ),
    (
        "project mismatch",
        {
            "key": KEY,
            "body": openai_error(
                "OpenAI-Project header should match project for API key", "mismatched_project"
            ),
        },
        "project_mismatch",
    ),
    (
        "project mismatch, message only",
        {
            "key": KEY,
            "body": openai_error("OpenAI-Project header should match project for API key"),
        },
        "project_mismatch",
    ),
    (
        "invalid organization",
        {"key": KEY, "body": openai_error("", "invalid_organization")},
        "organization_invalid",
    ),
    (
        "no such organization",
        {"key": KEY, "body": openai_error("No such organization: Personal.")},
        "organization_invalid",
    ),
    (
        "no organization",
        {
            "key": KEY,
            "body": openai_error(
                "You must be a member of an organization to use the API.", "no_organization"
            ),
        },
        "no_organization",
    ),
    (
        "no organization, message only",
        {
            "key": KEY,
            "body": openai_error("You must be a member of an organization to use the API."),
        },
        "no_organization",
    ),
    (
        "deactivated v1",
        {
            "key": KEY,
            "body": openai_error(
                "This key is associated with a deactivated account.", "account_deactivated"
            ),
        },
        "account_deactivated",
    ),
    (
        "deactivated v2",
        {
            "key": KEY,
            "body": openai_error(
                "The OpenAI account associated with this API key has been deactivated."
            ),
        },
        "account_deactivated",
    ),
    (
        "scopes",
        {"key": KEY, "body": openai_error(SCOPES.format("model.request"))},
        "insufficient_permissions",
    ),
    (
        "permissions wording",
        {"key": KEY, "body": openai_error("You have insufficient permissions for this operation.")},
        "insufficient_permissions",
    ),
    (
        "ip code",
        {"key": KEY, "body": openai_error("Forbidden.", "ip_not_authorized")},
        "ip_not_allowed",
    ),
    (
        "ip allowlist",
        {
            "key": KEY,
            "body": openai_error("Your request IP does not match the configured IP allowlist."),
        },
        "ip_not_allowed",
    ),
    (
        "ip not authorized",
        {"key": KEY, "body": openai_error("IP not authorized")},
        "ip_not_allowed",
    ),
    (
        "session key",
        {
            "key": KEY,
            "status": 403,
            "body": openai_error(
                "Your request to GET /dashboard/billing/usage must be made with a session key "
                "(that is, it can only be made from the browser).",
                None,
                "server_error",
            ),
        },
        "session_key_required",
    ),
    (
        "incorrect key type",
        {
            "key": KEY,
            "status": 403,
            "body": openai_error(
                "Please use a browser session to manage your API keys.", "incorrect_key_type"
            ),
        },
        "session_key_required",
    ),
    (
        "other 401",
        {"key": KEY, "body": openai_error("Your authentication token is not from a valid issuer.")},
        "unknown_401",
    ),
    ("empty 401", {"key": KEY, "body": b""}, "unknown_401"),
    ("other 403", {"key": KEY, "status": 403, "body": openai_error("Forbidden")}, "upstream_error"),
    (
        "500",
        {"key": KEY, "status": 500, "body": openai_error("The server had an error")},
        "upstream_error",
    ),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    KEY_CASES + ACCOUNT_CASES,
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_response_cause(name: str, kwargs: dict[str, Any], expected: str | None) -> None:
    """Each upstream answer maps to its response-side cause (None when there is none)."""
    assert cause_of(**kwargs) == expected, name
