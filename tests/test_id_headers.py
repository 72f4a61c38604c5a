"""OpenAI-Organization / OpenAI-Project values (and OPENAI_ORG_ID / OPENAI_PROJECT_ID)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authlens.credentials.id_headers import classify_organization, classify_project
from authlens.credentials.keys import fingerprint_key
from authlens.exchange import Side
from tests import synthetic_keys as sk

ORG = sk.org_id(1)
PROJ = sk.project_id(2)
K = sk.project_key(3)

BAD_ORGANIZATIONS = [
    ("", "empty"),
    ("   ", "empty"),
    ('""', "empty"),
    ("Personal", "name"),
    ("My Company", "name"),
    ("Default Organization", "name"),
    ("org_" + sk.body(24, 4), "name"),
    ('"' + ORG + '"', "quotes"),
    (ORG + " ", "quotes"),
    ("\u200b" + ORG, "quotes"),
    (ORG + "\r", "quotes"),
    (K, "API key"),
    (sk.legacy_key(5), "API key"),
    (sk.session_key(6), "API key"),
    (PROJ, "OPENAI_PROJECT_ID"),
    ("user-" + sk.body(24, 7), "user id"),
    ("$OPENAI_ORG_ID", "variable"),
    ("${OPENAI_ORGANIZATION}", "variable"),
    ("None", "placeholder"),
    ("undefined", "placeholder"),
    ("org-xxxxxxxxxxxxxxxxxxxxxxxx", "placeholder"),
    ("org-YOUR_ORG_ID", "placeholder"),
]


@pytest.mark.parametrize(("value", "says"), BAD_ORGANIZATIONS)
def test_organization_values_that_are_not_org_ids(value: str, says: str) -> None:
    """Each way of getting the organization wrong is organization_invalid, with the why."""
    finding = classify_organization(value)
    assert finding is not None
    assert (finding.cause, finding.side) == ("organization_invalid", Side.REQUEST)
    assert says in finding.hint
    assert "https://platform.openai.com/settings/organization/general" in finding.hint
    assert finding.hint.isascii()
    assert not sk.leaked_windows(finding.hint, value)
    assert {"organization_mismatch", "organization_invalid"} <= finding.explains


BAD_PROJECTS = [
    ("", "empty"),
    ("flipsync", "name"),
    ("Default project", "name"),
    ("proj-" + sk.body(24, 8), "name"),
    ('"' + PROJ + '"', "quotes"),
    (PROJ + "\n", "quotes"),
    (K, "API key"),
    (ORG, "OPENAI_ORG_ID"),
    ("$OPENAI_PROJECT_ID", "variable"),
    ("null", "placeholder"),
    ("proj_xxxxxxxxxxxx", "placeholder"),
]


@pytest.mark.parametrize(("value", "says"), BAD_PROJECTS)
def test_project_values_that_are_not_project_ids(value: str, says: str) -> None:
    """A project value that is not a proj_ id can never match: project_mismatch, request side."""
    finding = classify_project(value)
    assert finding is not None
    assert (finding.cause, finding.side) == ("project_mismatch", Side.REQUEST)
    assert says in finding.hint
    assert "OPENAI_PROJECT_ID" in finding.hint
    assert not sk.leaked_windows(finding.hint, value)
    assert finding.explains == frozenset({"project_mismatch"})


@given(st.text(alphabet=sk.ALNUM, min_size=8, max_size=64).filter(lambda s: len(set(s)) > 2))
def test_every_org_and_project_id_passes(suffix: str) -> None:
    """Real ids (alphanumeric suffixes; one or two repeated characters are placeholders)."""
    assert classify_organization("org-" + suffix) is None
    assert classify_project("proj_" + suffix) is None


def test_fingerprinted_values_are_not_classified() -> None:
    """Scrubbed files may hold a fingerprint where a secret was pasted."""
    assert classify_organization(fingerprint_key(K)) is None
    assert classify_project(fingerprint_key(K)) is None


@pytest.mark.parametrize(
    ("location", "subject"),
    [("header", "The OpenAI-Organization header"), ("env:OPENAI_ORG_ID", "OPENAI_ORG_ID")],
)
def test_hint_names_the_header_or_variable(location: str, subject: str) -> None:
    """`authlens check` gets hints about the variable, the proxy about the header."""
    finding = classify_organization("Personal", location=location)
    assert finding is not None
    assert finding.hint.startswith(subject)
