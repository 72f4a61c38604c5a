"""Values a person wrote: words, numbers, variable names, templates, secret-manager references."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from authlens.registry import kind_of
from tests.mistakes.kit import (
    EXAMPLES,
    HUMAN,
    IDENT,
    KEYISH,
    PREFIXES,
    WORD,
    cause,
    hint,
)


@EXAMPLES
@given(prefix=PREFIXES, text=HUMAN)  # type: ignore[arg-type]
@example(prefix="", text=("", ["0", "baba", "0"]))  # glued pieces, too short for a key
def test_words_numbers_and_fillers_are_placeholders(
    prefix: str, text: tuple[str, list[str]]
) -> None:
    """Words, numbers, repeats and sequences, bare or after an OpenAI prefix: placeholders."""
    sep, pieces = text
    glued = itertools.pairwise(pieces)
    assume(sep or not any(a[-1:].isdigit() and b[:1].isdigit() for a, b in glued))
    text = sep.join(pieces)
    assume(not text.isdigit() or len(text) <= 12)
    # A value that fits a real kind exactly (`sk-` + 22 is a LiteLLM key) may be one: only
    # what chance never makes is called a placeholder there (`shape.written_body`).
    assume(kind_of(prefix + text) is None)
    assert cause(prefix + text) == "placeholder_key", prefix + text


@pytest.mark.parametrize(
    "value",
    [
        "FIXME",
        "qwerty",
        "sk-test-123",
        "sk-live-key",
        "sk-proj-abcdef",
        "no-token",
        "1111111",
        "REDACTED",
        "sk-<key>",
    ],
)
def test_the_reported_human_values_are_placeholders(value: str) -> None:
    """The values from the bug reports behind the registry (issue 11), as regressions."""
    assert cause(value) == "placeholder_key"


@EXAMPLES
@given(words=IDENT, suffix=KEYISH, style=st.sampled_from(["snake", "camel", "screaming"]))
def test_variable_names_sent_as_the_value_are_unexpanded(
    words: list[str], suffix: str, style: str
) -> None:
    """`openai_api_key`, `openaiApiKey`, `OPENAI_API_KEY` as the value: the hint names it."""
    parts = [*words, "api", suffix]
    name = {
        "snake": "_".join(parts),
        "camel": parts[0] + "".join(p.capitalize() for p in parts[1:]),
        "screaming": "_".join(parts).upper(),
    }[style]
    assert cause(name) == "unexpanded_variable"
    assert name in hint(name)


@EXAMPLES
@given(
    words=IDENT,
    suffix=KEYISH,
    template=st.sampled_from(
        [
            "${{{{ secrets.{} }}}}",
            "${{{{ vars.{} }}}}",
            "${{{}}}",
            "${}",
            "%{}%",
            "process.env.{}",
            "os.environ['{}']",
            "{{{{ .Env.{} }}}}",
        ]
    ),
)
def test_templates_name_the_variable_inside(words: list[str], suffix: str, template: str) -> None:
    """CI, shell, cmd, Node, Python and Go templates: the hint names the variable itself."""
    name = "_".join([*words, "api", suffix]).upper()
    value = template.format(name)
    assert cause(value) == "unexpanded_variable"
    assert name in hint(value)


@EXAMPLES
@given(
    words=st.lists(WORD, min_size=1, max_size=3),
    leaf=st.sampled_from(["apiKey", "token", "secretKey"]),
)
def test_helm_values_are_named_by_their_path(words: list[str], leaf: str) -> None:
    """`{{ .Values.openai.apiKey }}` names `.Values.openai.apiKey`, not a piece of it."""
    path = ".Values." + ".".join([*words, leaf])
    assert path in hint("{{ " + path + " }}")


@EXAMPLES
@given(
    words=st.lists(WORD, min_size=2, max_size=4),
    manager=st.sampled_from(
        [
            (
                "@Microsoft.KeyVault(SecretUri=https://{}.vault.azure.net/secrets/{})",
                "Azure Key Vault",
            ),
            ("op://{}/{}/credential", "1Password"),
            ("arn:aws:secretsmanager:us-east-1:123456789012:secret:{}-{}", "AWS Secrets Manager"),
            ("vault:secret/data/{}#{}", "HashiCorp Vault"),
            ("projects/{}/secrets/{}/versions/latest", "Google Secret Manager"),
        ]
    ),
)
def test_unresolved_secret_manager_references(words: list[str], manager: tuple[str, str]) -> None:
    """A reference the platform should have resolved: `unexpanded_variable` naming who."""
    template, who = manager
    value = template.format(words[0], "-".join(words[1:]))
    assert cause(value) == "unexpanded_variable", value
    assert who in hint(value)
