"""Who answered: errors that did not come from the expected upstream (rejected_by_intermediary).

Each table runs the whole response table (`rules.RESPONSE_RULES`, first match) so the order of
the rules is tested too.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.keyfactory import project_key
from tests.replies import cause_of, openai_error

KEY = project_key(1)


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
    INTERMEDIARY_CASES,
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_intermediary_cause(name: str, kwargs: dict[str, Any], expected: str | None) -> None:
    """Each foreign answer maps to its cause (None when there is none)."""
    assert cause_of(**kwargs) == expected, name
