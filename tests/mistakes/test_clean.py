"""Negative controls: valid keys of every kind, on their own hosts, come out clean."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from authlens.credentials.keys import fingerprint_key
from authlens.diagnosis.rules import diagnose
from authlens.registry import KeyKind
from tests import replies
from tests.keygen import OPENAI_KINDS, OWNED, keys
from tests.mistakes.kit import (
    EXAMPLES,
    cause,
    own_host,
)


@EXAMPLES
@given(pair=keys(OPENAI_KINDS))
def test_every_valid_openai_kind_passes_clean(pair: tuple[KeyKind, str]) -> None:
    """Every OpenAI kind in the registry, random body: no request-side finding anywhere."""
    kind, key = pair
    for where in ({}, {"location": "env:OPENAI_API_KEY"}, {"provider": "compatible"}):
        if kind.name == "openai_admin" and where:
            continue  # an admin key in OPENAI_API_KEY is admin_key_misuse (its own test)
        assert cause(key, **where) is None, (kind.name, where)


@EXAMPLES
@given(pair=keys(OWNED))
def test_every_kind_is_clean_on_its_own_host(pair: tuple[KeyKind, str]) -> None:
    """A key sent to its own provider's host is never flagged for its value."""
    kind, key = pair
    credential = "api-key" if kind.provider == "azure" else "authorization"
    assert cause(key, host=own_host(kind), location=credential) is None, kind.name


@EXAMPLES
@given(pair=keys(OPENAI_KINDS), status=st.sampled_from([200, 401]))
def test_valid_keys_are_clean_at_200_and_invalid_api_key_at_401(
    pair: tuple[KeyKind, str], status: int
) -> None:
    """The whole diagnosis: no cause on success, the upstream's `invalid_api_key` on 401."""
    kind, key = pair
    path = "/v1/organization/projects" if kind.name == "openai_admin" else "/v1/models"
    body = replies.incorrect(replies.echo(key)) if status == 401 else None
    ev = replies.evidence(key=key, status=status, body=body, path=path)
    finding = diagnose(ev)
    assert (finding.cause if finding else None) == ("invalid_api_key" if status == 401 else None), (
        kind.name
    )
    assert ev.key == fingerprint_key(key)
