"""The Authorization header as servers parse it: scheme case, separators, a second Bearer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from authlens.credentials.classify import classify_credential
from authlens.credentials.credential import find_credentials
from authlens.credentials.keys import fingerprint_key
from authlens.diagnosis.rules import diagnose
from authlens.registry import KeyKind
from tests import replies
from tests.keygen import OPENAI_KINDS, keys
from tests.mistakes.kit import (
    EXAMPLES,
    OPENAI_HOST,
)


@EXAMPLES
@given(
    pair=keys(OPENAI_KINDS),
    scheme=st.sampled_from(["Bearer", "bearer", "BEARER", "BeArEr"]),
    separator=st.sampled_from(["\t", "\u00a0", "\u2003", "\u3000", "\u202f"]),
)
def test_a_tab_or_unicode_space_after_bearer_is_a_separator_not_a_second_bearer(
    pair: tuple[KeyKind, str], scheme: str, separator: str
) -> None:
    """Split at the first whitespace run: the scheme is Bearer, the separator is wrong."""
    _, key = pair
    (credential,) = find_credentials({"authorization": f"{scheme}{separator}{key}"}, "/")
    assert (credential.scheme, credential.separator, credential.token) == (scheme, separator, key)
    finding = classify_credential(credential, provider="openai", host=OPENAI_HOST)
    assert finding is not None and finding.cause == "wrong_auth_scheme", finding
    assert "Bearer Bearer" not in finding.hint


@EXAMPLES
@given(pair=keys(OPENAI_KINDS), scheme=st.sampled_from(["Bearer", "bearer", "BEARER"]))
def test_scheme_case_and_extra_spaces_are_what_servers_accept(
    pair: tuple[KeyKind, str], scheme: str
) -> None:
    """RFC 9110: the scheme is case-insensitive and SP may repeat; nothing is reported."""
    _, key = pair
    for separator in (" ", "  "):
        (credential,) = find_credentials({"authorization": f"{scheme}{separator}{key}"}, "/")
        assert classify_credential(credential, provider="openai", host=OPENAI_HOST) is None


@EXAMPLES
@given(pair=keys(OPENAI_KINDS), glue=st.sampled_from([":", "=", ": "]))
def test_scheme_glued_to_the_key_is_wrong_auth_scheme(pair: tuple[KeyKind, str], glue: str) -> None:
    """`Bearer:sk-...` / `Bearer=sk-...`: the upstream reads the whole value as the token."""
    _, key = pair
    (credential,) = find_credentials({"authorization": f"Bearer{glue}{key}"}, "/")
    finding = classify_credential(credential, provider="openai", host=OPENAI_HOST)
    assert finding is not None and finding.cause == "wrong_auth_scheme"
    if not glue.endswith(" "):
        assert credential.upstream_value == f"Bearer{glue}{key}"


@EXAMPLES
@given(pair=keys(OPENAI_KINDS), scheme=st.sampled_from(["Bearer ", "bearer ", "Bearer  "]))
def test_a_second_bearer_is_duplicated_bearer(pair: tuple[KeyKind, str], scheme: str) -> None:
    """`Bearer Bearer sk-...`: the fingerprint is still of the key inside."""
    _, key = pair
    ev = replies.evidence(request_headers={"authorization": f"Bearer {scheme}{key}"})
    finding = diagnose(ev)
    assert finding is not None and finding.cause == "duplicated_bearer"
    assert ev.key == fingerprint_key(key)
