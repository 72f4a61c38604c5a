"""The family recognisers, each against its own variants and against real keys."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from authlens.credentials import key_families as fam
from tests import synthetic_keys as sk

K = sk.project_key(1)
REAL = [
    K,
    sk.legacy_key(2),
    sk.admin_key(3),
    sk.azure_hex_key(4),
    sk.azure_long_key(5),
    sk.jwt(6),
    sk.anthropic_key(7),
]
PREDICATES: dict[str, Callable[[str], object]] = {
    "quoted": fam.is_quoted,
    "label": fam.has_label,
    "unexpanded": fam.unexpanded_reference,
    "placeholder": fam.is_placeholder,
    "masked": fam.is_masked,
    "whitespace": fam.has_whitespace,
    "url": fam.is_url,
    "non_ascii": fam.has_non_ascii,
}
MATCHES = {
    "quoted": ['"' + K, K + "'", "`" + K + "`", "\u201c" + K, K + "\u2019", "&quot;" + K],
    "label": ["OPENAI_API_KEY=x", "apiKey: y", '"api_key": "z"', "Bearer: " + K, "key=" + K],
    "unexpanded": ["$X", "${X}", "%X%", "{{ x }}", "process.env.X", "<%= x %>", "OPENAI_KEY"],
    "placeholder": ["None", "<key>", "your_key", "sk-xxxx", "a-here", "[object Object]"],
    "masked": ["sk-...a", "sk-**", "a\u2026b", "sk-\u2022\u2022ab", "***"],
    "whitespace": [K + " ", K + "\r", K + "\\n", K + "%0d", "a\tb"],
    "url": ["https://a", "http://b/c", "wss://x", "api.openai.com/v1", "localhost:8080"],
    "non_ascii": [K + "\u200b", "\ufeff" + K, "\u00e9", K + "\x7f", "\u0455k-x"],
}


@pytest.mark.parametrize(
    ("family", "value"), [(f, v) for f, values in MATCHES.items() for v in values]
)
def test_family_matches_its_variants(family: str, value: str) -> None:
    """Each recogniser accepts the variants of its family."""
    assert PREDICATES[family](value)


@pytest.mark.parametrize("family", sorted(PREDICATES))
@pytest.mark.parametrize("value", REAL)
def test_no_family_matches_a_real_key(family: str, value: str) -> None:
    """Real keys of any provider belong to none of the broken-value families."""
    assert not PREDICATES[family](value)


@pytest.mark.parametrize(
    ("reference", "name"),
    [
        ("${OPENAI_API_KEY}", "OPENAI_API_KEY"),
        ("process.env.openaiApiKey)", "openaiApiKey"),
        ("os.environ['openai_api_key']", "openai_api_key"),
        ("${" + K + "}", None),
        ("${HOME}", None),
        ("${Ab3dZq9PAb3dZq9PapiKey}", None),
    ],
)
def test_variable_in_shows_only_name_like_key_variables(reference: str, name: str | None) -> None:
    """Names are shown only when they read like key variables, never random material."""
    assert fam.variable_in(reference) == name


@pytest.mark.parametrize(
    ("value", "prose"),
    [("You are a helpful assistant.", True), ("sk-proj-abc def", False), (K + " x y", False)],
)
def test_looks_like_prose(value: str, prose: bool) -> None:
    """Three or more short words is text, not a key with a stray space."""
    assert fam.looks_like_prose(value) is prose
