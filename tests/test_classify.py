"""The shared credential classifier: every request-side key code as a family of variants."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from authlens.credentials.classify import KEY_CHECKS, classify_key_value
from authlens.credentials.keys import fingerprint_key
from authlens.credentials.shape import degenerate
from authlens.exchange import Side
from tests import synthetic_keys as sk
from tests.classify_cases import AZ, AZ84, JWT, OTHER_PROVIDER, SPECIFICITY, TABLE, K, L
from tests.keygen import OPENAI_KINDS, keys


def cause_of(value: str, **where: str) -> str | None:
    finding = classify_key_value(value, **where)
    return finding.cause if finding else None


def check_hint(hint: str, value: str) -> None:
    assert hint.isascii(), hint
    assert "\n" not in hint
    assert "\r" not in hint
    assert 20 < len(hint) <= 400
    assert not sk.leaked_windows(hint, value), hint


def _where(location: str, provider: str) -> dict[str, str]:
    where = {}
    if location:
        where["location"] = location
    if provider:
        where["provider"] = provider
    return where


ROWS = [(cause, *row) for cause, rows in TABLE.items() for row in rows]


@pytest.mark.parametrize(("cause", "value", "location", "provider"), ROWS)
def test_each_family_variant_gets_its_code(
    cause: str, value: str, location: str, provider: str
) -> None:
    """Every variant of a family is classified as that family's code, with a clean hint."""
    finding = classify_key_value(value, **_where(location, provider))
    assert finding is not None, (cause, value)
    assert (finding.cause, finding.side) == (cause, Side.REQUEST)
    check_hint(finding.hint, value)


@pytest.mark.parametrize(("value", "host", "names"), OTHER_PROVIDER)
def test_other_provider_key_names_the_provider_and_where_to_send_it(
    value: str, host: str, names: tuple[str, ...]
) -> None:
    """The hint names whose key it is and the base URL, variable or console to use."""
    finding = classify_key_value(value, host=host) if host else classify_key_value(value)
    assert finding is not None
    assert finding.cause == "other_provider_key"
    for name in names:
        assert name in finding.hint
    check_hint(finding.hint, value)


@pytest.mark.parametrize(
    ("value", "scheme", "shown"),
    [
        (K, "", "no scheme"),
        (K, "Basic", "'Basic'"),
        (K, "Token", "'Token'"),
        (K, "Bearer:", "'Bearer:'"),
        (K, "Bearer=", "'Bearer='"),
        (L, "Key", "'Key'"),
        (K, "Negotiate", "an unknown scheme"),
        (JWT, "JWT", "an unknown scheme"),
    ],
)
def test_wrong_auth_scheme_shows_only_known_scheme_words(
    value: str, scheme: str, shown: str
) -> None:
    """A scheme other than Bearer is `wrong_auth_scheme`; unknown words are not echoed."""
    finding = classify_key_value(value, scheme=scheme)
    assert finding is not None
    assert finding.cause == "wrong_auth_scheme"
    assert shown in finding.hint


@pytest.mark.parametrize(
    ("value", "scheme"),
    [(K, "Authorization:"), (K, "apiKey:"), ("Bearer " + K, "Authorization:"), (L, "key=")],
)
def test_a_label_where_the_scheme_belongs_is_label_in_key(value: str, scheme: str) -> None:
    """`Authorization: Authorization: Bearer sk-...` pasted the header name with the key."""
    assert cause_of(value, scheme=scheme) == "label_in_key"


@pytest.mark.parametrize(("value", "cause"), SPECIFICITY)
def test_the_most_specific_family_wins(value: str, cause: str) -> None:
    """A value in several families gets the most specific code (contract section 7)."""
    assert cause_of(value) == cause


@pytest.mark.parametrize(
    ("value", "location", "cause"),
    [
        (sk.anthropic_key(1), "x-api-key", "other_provider_key"),
        ('"' + K + '"', "x-api-key", "quoted_key"),
        (sk.body(40, 2), "x-api-key", "key_in_wrong_header"),
        ("sk-proj-" + sk.body(20, 3), "x-api-key", "key_in_wrong_header"),
    ],
)
def test_what_the_value_is_outranks_where_it_was_put(value: str, location: str, cause: str) -> None:
    """Whose key it is, or how it is broken, says more than the header it sat in."""
    assert cause_of(value, location=location) == cause


def test_key_checks_are_ordered_most_specific_first() -> None:
    """The documented order: value families, then the place and scheme, then shape."""
    names = [check.__name__.lstrip("_") for check, _ in KEY_CHECKS]
    assert names.index("label") < names.index("quoted") < names.index("non_ascii")
    assert names.index("placeholder") < names.index("masked") < names.index("quoted")
    assert names.index("other_provider") < names.index("wrong_header")
    assert names[-2:] == ["truncated", "malformed"]


VALID_KEYS = keys(OPENAI_KINDS).map(lambda pair: pair[1])


@settings(max_examples=300, deadline=None)
@given(key=VALID_KEYS)
@example(key="ek_68af296e8e408191a1120ab6383263c2")  # the API reference's ephemeral key
def test_no_valid_openai_key_is_ever_flagged(key: str) -> None:
    """Legacy, sk-proj (56/132/164), sk-svcacct, sk-admin, sk-None, sk-service: never flagged."""
    location = "env:OPENAI_ADMIN_KEY" if key.startswith("sk-admin-") else "env:OPENAI_API_KEY"
    assert classify_key_value(key) is None
    assert classify_key_value(key, location=location) is None
    assert classify_key_value(key, provider="compatible") is None
    assert classify_key_value(key, location="websocket-protocol") is None


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (AZ, {"location": "api-key", "provider": "azure"}),
        (AZ84, {"location": "api-key", "provider": "azure"}),
        (AZ, {"location": "ocp-apim-subscription-key", "provider": "azure"}),
        (AZ, {"location": "query:api-key", "provider": "azure"}),  # browser Realtime sockets
        (JWT, {"location": "authorization", "provider": "azure"}),
        (AZ, {"location": "env:AZURE_OPENAI_API_KEY"}),
        (JWT, {"location": "env:AZURE_OPENAI_AD_TOKEN"}),
        (sk.groq_key(1), {"host": "api.groq.com"}),
        (sk.deepseek_key(2), {"host": "api.deepseek.com"}),
        (sk.anthropic_key(3), {"host": "api.anthropic.com"}),
        (sk.openrouter_key(4), {"host": "openrouter.ai"}),
        (sk.google_key(5), {"host": "generativelanguage.googleapis.com"}),
        (sk.deepseek_key(6), {"provider": "compatible"}),
        (sk.body(40, 7), {"provider": "compatible"}),
        (sk.body(40, 8), {"provider": "compatible", "location": "x-api-key"}),
        ("ek_" + sk.body(32, 9), {}),
        (JWT, {}),
        (K, {"location": "websocket-protocol"}),
        ("sk-" + sk.body(48, 10), {"host": "api.chatanywhere.tech"}),
    ],
)
def test_right_keys_in_the_right_place_are_not_flagged(value: str, where: dict[str, str]) -> None:
    """Azure keys in api-key, Entra tokens as Bearer, each provider's key on its own host."""
    assert classify_key_value(value, **where) is None


@pytest.mark.parametrize(
    "value",
    [K, '"' + K + '"', "undefined", "${OPENAI_API_KEY}", sk.anthropic_key(1), "sk-proj-abc", AZ],
)
def test_authlens_fingerprints_are_never_classified(value: str) -> None:
    """Scrubbed flow files carry fingerprints in place of keys; `explain` must not judge them."""
    shown = fingerprint_key(value)
    assert classify_key_value(shown) is None
    assert classify_key_value(shown, provider="azure", location="api-key") is None
    assert classify_key_value("[REDACTED]") is None


def test_a_fingerprint_in_the_wrong_place_is_still_reported() -> None:
    """Where the key was sent survives scrubbing, so that finding still holds."""
    shown = fingerprint_key(K)
    assert cause_of(shown, location="x-api-key") == "key_in_wrong_header"
    assert cause_of(shown, scheme="Basic") == "wrong_auth_scheme"


_WRAPPERS: dict[str, Callable[[str], str]] = {
    "quoted_key": lambda k: f'"{k}"',
    "whitespace_in_key": lambda k: k + "\r",
    "label_in_key": lambda k: f"OPENAI_API_KEY={k}",
    "unexpanded_variable": lambda k: "${" + k + "}",
    "non_ascii_key": lambda k: "\u200b" + k,
    "duplicated_bearer": lambda k: "Bearer " + k,
    "truncated_key": lambda k: k[:40],
    "masked_key": lambda k: k[:8] + "*" * 20 + k[-4:],
}


@settings(max_examples=200, deadline=None)
@given(
    family=st.sampled_from(sorted(_WRAPPERS)),
    # Random like real keys (a random half holds about 44 distinct characters): few
    # characters, a filler, or one letter or digit left visible by a mask (the key's first 4
    # and last 4 are this half's first 4) is a placeholder.
    half=st.text(alphabet=sk.KEY_CHARS, min_size=74, max_size=74).filter(
        lambda h: (
            len(set(h)) >= 16 and len({c for c in h[:4] if c.isalnum()}) >= 2 and not degenerate(h)
        )
    ),
    location=st.sampled_from(["authorization", "env:OPENAI_API_KEY"]),
)
def test_hints_never_carry_the_key(family: str, half: str, location: str) -> None:
    """Whatever the key and family: the hint is one ASCII line with no 8 characters of it."""
    key = "sk-proj-" + half + sk.MARKER + half[::-1]
    finding = classify_key_value(_WRAPPERS[family](key), location=location)
    assert finding is not None
    assert finding.cause == family
    assert finding.hint.isascii()
    assert "\n" not in finding.hint
    body = key[len("sk-proj-") :]
    assert not any(body[i : i + 8] in finding.hint for i in range(len(body) - 7))


@pytest.mark.parametrize(
    ("value", "where", "name"),
    [
        ("${OPENAI_KEY}", {}, "OPENAI_KEY"),
        ("%MY_OPENAI_TOKEN%", {}, "MY_OPENAI_TOKEN"),
        ("process.env.openaiApiKey", {}, "openaiApiKey"),
        ("$OPENAI_API_KEY", {"location": "env:LLM_KEY"}, "LLM_KEY"),
    ],
)
def test_unexpanded_hint_names_the_variable(value: str, where: dict[str, str], name: str) -> None:
    """The hint names the variable that was not expanded (a name, never a key)."""
    finding = classify_key_value(value, **where)
    assert finding is not None
    assert name in finding.hint


def test_variable_name_inside_braces_is_not_echoed_when_it_is_a_key() -> None:
    """`${sk-...}` is a key in template braces: the hint must not repeat it."""
    finding = classify_key_value("${" + K + "}")
    assert finding is not None
    check_hint(finding.hint, K)


@pytest.mark.parametrize(
    ("where", "variable"),
    [
        ({}, "OPENAI_API_KEY"),
        ({"location": "env:OPENAI_KEY"}, "OPENAI_KEY"),
        ({"location": "api-key", "provider": "azure"}, "AZURE_OPENAI_API_KEY"),
        ({"location": "env:AZURE_OPENAI_API_KEY"}, "AZURE_OPENAI_API_KEY"),
    ],
)
def test_hints_name_the_variable_to_fix(where: dict[str, str], variable: str) -> None:
    """Each hint says which variable holds the bad value."""
    finding = classify_key_value('"' + AZ + '"', **where)
    assert finding is not None
    assert variable in finding.hint


def test_azure_findings_explain_azures_own_401s() -> None:
    """On Azure, the request side names why Azure said invalid key or invalid token."""
    finding = classify_key_value(AZ, provider="azure", location="authorization")
    assert finding is not None
    assert {"azure_invalid_key", "azure_token_invalid"} <= finding.explains


def test_values_are_examined_only_up_to_a_bound() -> None:
    """A megabyte of header is judged by its start: the quote at its end is not seen."""
    assert cause_of('"' + sk.body(1_000_000, 1)) == "quoted_key"
    assert cause_of(sk.body(1_000_000, 1) + '"') == "malformed_key"


def test_recent_findings_are_kept_by_hash_never_by_value() -> None:
    """Repeats get an equal finding, and nothing the classifier keeps holds the value."""
    from authlens.credentials import classify as module

    value = '"' + sk.project_key(41) + '"'
    first = classify_key_value(value, provider="openai", location="x-api-key", scheme=None)
    again = classify_key_value(value, provider="openai", location="x-api-key", scheme=None)
    assert first is not None and first == again
    other_place = classify_key_value(value, provider="openai", location="authorization")
    assert other_place != first  # every argument counts
    kept = repr(list(module._RECENT.items()))
    assert not sk.leaked_windows(kept, value)
