"""Response-side rules: what the upstream said, read with the key forwarded and its history.

Each table runs the whole response table (`rules.RESPONSE_RULES`, first match) so the order of
the rules is tested too.
"""

from __future__ import annotations

from typing import Any

import pytest

from authlens.diagnosis.history import KeySeen
from authlens.diagnosis.rules import RESPONSE_RULES, first_finding
from authlens.exchange import Side
from tests.keyfactory import admin_key, leaks, legacy_key, project_key
from tests.replies import AZURE_HEADERS, NOW, evidence, openai_error

KEY = project_key(1)
OTHER = project_key(2)
LEGACY = legacy_key(3)


def echo(value: str) -> str:
    return value[:8] + "*" * (len(value) - 12) + value[-4:]


def incorrect(echoed: str) -> dict[str, Any]:
    return openai_error(
        f"Incorrect API key provided: {echoed}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_api_key",
    )


DIDNT = openai_error("You didn't provide an API key. You need to provide your API key in ...")
SCOPES = "You have insufficient permissions for this operation. Missing scopes: {}. Check roles."


def cause_of(**kwargs: Any) -> str | None:
    finding = first_finding(RESPONSE_RULES, evidence(**kwargs))
    return finding.cause if finding else None


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
    ("other 403", {"key": KEY, "status": 403, "body": openai_error("Forbidden")}, None),
    ("500", {"key": KEY, "status": 500, "body": openai_error("The server had an error")}, None),
]

INTERMEDIARY_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    (
        "nginx HTML",
        {
            "key": KEY,
            "response_headers": {"content-type": "text/html", "server": "nginx"},
            "body": b"<html>401</html>",
        },
        "rejected_by_intermediary",
    ),
    (
        "corporate HTML 403",
        {
            "key": KEY,
            "status": 403,
            "response_headers": {"content-type": "text/html"},
            "body": b"<html>blocked</html>",
        },
        "rejected_by_intermediary",
    ),
    (
        "litellm at api.openai.com",
        {
            "key": KEY,
            "response_headers": {"x-litellm-version": "1.5"},
            "body": openai_error("litellm.AuthenticationError: bad key", "401"),
        },
        "rejected_by_intermediary",
    ),
    (
        "one-api at api.openai.com",
        {
            "key": KEY,
            "status": 403,
            "response_headers": {},
            "body": openai_error(
                "Country, region, or territory not supported (request id: 2024072510422562)",
                "unsupported_country_region_territory",
            ),
        },
        "rejected_by_intermediary",
    ),
    (
        "anthropic at api.openai.com",
        {
            "key": KEY,
            "response_headers": {},
            "body": {
                "type": "error",
                "error": {"type": "authentication_error", "message": "invalid x-api-key"},
            },
        },
        "rejected_by_intermediary",
    ),
    (
        "empty body, no id",
        {"key": KEY, "status": 403, "response_headers": {}, "body": b""},
        "rejected_by_intermediary",
    ),
    (
        "azure host, plain text",
        {
            "key": KEY,
            "host": "r.openai.azure.com",
            "status": 403,
            "response_headers": {"content-type": "text/plain"},
            "body": b"Forbidden",
        },
        "rejected_by_intermediary",
    ),
    (
        "litellm on its own host",
        {
            "key": KEY,
            "host": "localhost",
            "response_headers": {},
            "body": openai_error(
                "Authentication Error, not found in db.", "401", "token_not_found_in_db"
            ),
        },
        "invalid_api_key",
    ),
    (
        "one-api on its own host",
        {
            "key": KEY,
            "host": "relay.example",
            "status": 403,
            "response_headers": {},
            "body": openai_error(
                "Country, region, or territory not supported (request id: 2024072510422562)",
                "unsupported_country_region_territory",
            ),
        },
        "region_unsupported",
    ),
    (
        "HTML 404 on a compatible host",
        {
            "key": KEY,
            "host": "relay.example",
            "status": 404,
            "response_headers": {"content-type": "text/html"},
            "body": b"<html>404</html>",
        },
        "wrong_base_url",
    ),
    (
        "HTML 401 on a compatible host",
        {
            "key": KEY,
            "host": "relay.example",
            "response_headers": {"content-type": "text/html"},
            "body": b"<html>401</html>",
        },
        "rejected_by_intermediary",
    ),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"),
    KEY_CASES + ACCOUNT_CASES + INTERMEDIARY_CASES,
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_response_cause(name: str, kwargs: dict[str, Any], expected: str | None) -> None:
    """Each upstream answer maps to its response-side cause (None when there is none)."""
    assert cause_of(**kwargs) == expected, name


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
