"""Admin keys and the Admin API: `admin_key_misuse`."""

from __future__ import annotations

import pytest

from authlens.credentials.admin_keys import (
    classify_admin_use,
    classify_admin_variable,
    is_admin_path,
)
from tests import synthetic_keys as sk

ADMIN = sk.admin_key(1)
K = sk.project_key(2)


@pytest.mark.parametrize(
    ("path", "admin"),
    [
        ("/v1/organization/users", True),
        ("/v1/organization/admin_api_keys?limit=2", True),
        ("/v1/organization", True),
        ("/proxy/v1/organization/projects", True),
        ("/v1/chat/completions", False),
        ("/v1/organizations", False),
        ("/v1/models?next=/v1/organization/x", False),
        ("/organization/users", False),
    ],
)
def test_is_admin_path(path: str, admin: bool) -> None:
    """Only /v1/organization and below is the Admin API; the query string does not count."""
    assert is_admin_path(path) is admin


@pytest.mark.parametrize(
    ("token", "path"),
    [
        (ADMIN, "/v1/organization/users"),
        (K, "/v1/chat/completions"),
        ("ek_" + sk.body(30), "/v1/organization/users"),
        (sk.deepseek_key(), "/v1/organization/users"),
        (sk.anthropic_key(), "/v1/responses"),
        ("DEADBEEF", "/v1/organization/users"),
    ],
)
def test_right_key_for_the_endpoint_is_fine(token: str, path: str) -> None:
    """Admin keys on the Admin API, others elsewhere, non-OpenAI tokens: no finding."""
    assert classify_admin_use(token, path=path) is None


@pytest.mark.parametrize(
    ("token", "variable"),
    [
        (ADMIN, "OPENAI_API_KEY"),
        (K, "OPENAI_ADMIN_KEY"),
        (sk.legacy_key(), "OPENAI_ADMIN_KEY"),
        (sk.svcacct_key(), "OPENAI_ADMIN_KEY"),
        (sk.none_key(), "OPENAI_ADMIN_KEY"),
    ],
)
def test_admin_and_plain_keys_swapped_between_variables(token: str, variable: str) -> None:
    """`authlens check`: OPENAI_API_KEY must not hold an admin key, nor the reverse."""
    finding = classify_admin_variable(token, variable)
    assert finding is not None
    assert finding.cause == "admin_key_misuse"
    assert variable in finding.hint
    assert not sk.leaked_windows(finding.hint, token)


@pytest.mark.parametrize(
    ("token", "variable"),
    [(ADMIN, "OPENAI_ADMIN_KEY"), (K, "OPENAI_API_KEY"), (ADMIN, "OTHER"), ("x", "OPENAI_API_KEY")],
)
def test_keys_in_their_own_variables_are_fine(token: str, variable: str) -> None:
    """No finding when each key sits in the variable meant for it."""
    assert classify_admin_variable(token, variable) is None
