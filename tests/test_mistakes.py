"""Mistake generators: random valid keys of every registry kind, broken the ways people break
them, must come out as the right cause with a hint that names the right thing.

Nothing here lists example values of a family: keys come from `keygen` (the registry's
layouts), mistakes are mutations (quotes, whitespace, cuts, labels, separators, case,
provider swaps, double pastes), human text is built from syllables, numbers and repeats.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from authlens.credentials.classify import classify_credential, classify_key_value
from authlens.credentials.credential import find_credentials
from authlens.credentials.key_families import QUOTES
from authlens.credentials.keys import fingerprint_key
from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.history import KeyHistory, KeySeen
from authlens.diagnosis.rules import diagnose
from authlens.registry import KeyKind, kind_by_name, kind_of, provider
from tests import replies
from tests.keygen import MARKED_OPENAI, OPENAI_KINDS, OWNED, entra_token, key_of_kind, keys
from tests.synthetic_keys import leaked_windows

EXAMPLES = settings(max_examples=150, deadline=None)
OPENAI_HOST = provider("openai").hosts[0]


def cause(value: str, **where: str) -> str | None:
    finding = classify_key_value(value, **where)  # type: ignore[arg-type]
    return finding.cause if finding else None


def hint(value: str, **where: str) -> str:
    finding = classify_key_value(value, **where)  # type: ignore[arg-type]
    assert finding is not None, value
    assert not leaked_windows(finding.hint, value), finding.hint
    return finding.hint


def own_host(kind: KeyKind) -> str:
    """A concrete host of the kind's provider (globs get a resource name)."""
    return provider(kind.provider).hosts[0].replace("*", "myresource")


# --- negative controls -----------------------------------------------------------------


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


# --- wrapping: quotes, whitespace, invisible characters, labels ---------------------------


@EXAMPLES
@given(pair=keys(), quote=st.sampled_from(QUOTES), sides=st.sampled_from(["both", "l", "r"]))
def test_quotes_of_every_style_either_side(
    pair: tuple[KeyKind, str], quote: str, sides: str
) -> None:
    """Any quote character on either side is `quoted_key`; the fingerprint is the key's."""
    _, key = pair
    value = (quote if sides != "r" else "") + key + (quote if sides != "l" else "")
    assert cause(value, host=OPENAI_HOST) == "quoted_key"
    ev = replies.evidence(key=value)
    assert ev.key == fingerprint_key(key)


@EXAMPLES
@given(pair=keys(OPENAI_KINDS), data=st.data())
def test_whitespace_and_invisible_characters_at_every_position(
    pair: tuple[KeyKind, str], data: st.DataObject
) -> None:
    """A space, tab or line break anywhere is `whitespace_in_key`; a zero-width character,
    BOM or non-breaking space is `non_ascii_key`."""
    _, key = pair
    at = data.draw(st.integers(0, len(key)))
    char = data.draw(st.sampled_from(" \t\r\n\u200b\u200c\u200d\u2060\ufeff\u00a0"))
    value = key[:at] + char + key[at:]
    expected = "whitespace_in_key" if char in " \t\r\n" else "non_ascii_key"
    assert cause(value, location="env:OPENAI_API_KEY") == expected
    if at in (0, len(key)):
        assert replies.evidence(request_headers={"api-key": value}).key == fingerprint_key(key)


@EXAMPLES
@given(
    pair=keys(),
    name=st.from_regex(r"[A-Z]{3,8}_(?:API_)?KEY|[a-z]{3,8}(?:Key|_key|Token)", fullmatch=True),
    glue=st.sampled_from(["=", ": ", " = ", ":", "="]),
    export=st.sampled_from(["", "export ", "set "]),
)
def test_labels_pasted_with_the_key(
    pair: tuple[KeyKind, str], name: str, glue: str, export: str
) -> None:
    """`NAME=key`, `name: key`, `export NAME=key`: `label_in_key`, fingerprint of the key."""
    _, key = pair
    value = f"{export}{name}{glue}{key}"
    assert cause(value, location="env:OPENAI_API_KEY") == "label_in_key"
    assert replies.evidence(key=value).key == fingerprint_key(key)


# --- Authorization as servers parse it ---------------------------------------------------


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


# --- cuts and double pastes --------------------------------------------------------------


@EXAMPLES
@given(pair=keys(MARKED_OPENAI), data=st.data())
def test_openai_keys_cut_at_every_length_are_truncated(
    pair: tuple[KeyKind, str], data: st.DataObject
) -> None:
    """Before the marker, inside it or after it: `truncated_key` (a short, word-like remnant
    may read as a placeholder; a cut that is itself a valid shorter layout is valid)."""
    kind, key = pair
    assume(kind.marker in key)  # a marker-less layout cut is any `sk-` text of that length
    at = data.draw(st.integers(len(kind.prefix) + 1, len(key) - 1))
    cut = key[:at]
    if (found := kind_of(cut)) is not None and found.provider == "openai":
        assert cause(cut) is None  # e.g. the 56-character early sk-proj- layout
        return
    expected = (
        {"truncated_key"} if at - len(kind.prefix) >= 20 else {"truncated_key", "placeholder_key"}
    )
    assert cause(cut) in expected, (kind.name, at)


@EXAMPLES
@given(pair=keys(), between=st.sampled_from(["", " ", "\n", ",", "\r\n"]))
def test_a_key_pasted_twice(pair: tuple[KeyKind, str], between: str) -> None:
    """The same key twice, or OpenAI's marker twice: a finding whose hint says so."""
    _, key = pair
    assert "twice" in hint(key + between + key, location="env:OPENAI_API_KEY")


# --- the wrong provider --------------------------------------------------------------------


@EXAMPLES
@given(pair=keys(OWNED), target=st.sampled_from(OWNED))
def test_a_key_sent_to_another_providers_host_names_its_owner(
    pair: tuple[KeyKind, str], target: KeyKind
) -> None:
    """Provider swaps: the hint names whose key it is and that provider's base URL."""
    kind, key = pair
    assume(target.provider not in kind.providers and kind.provider not in target.providers)
    host = own_host(target)
    location = "api-key" if target.provider == "azure" else "authorization"
    finding = classify_key_value(key, host=host, location=location)
    assert finding is not None
    if target.provider == "azure" and location == "api-key":
        assert finding.cause in ("other_provider_key", "malformed_key")
        return
    assert finding.cause == "other_provider_key", (kind.name, host)
    owner = provider(kind.provider)
    assert owner.name.split()[0] in finding.hint


@EXAMPLES
@given(rng=st.randoms(use_true_random=True), length=st.sampled_from([22, 32, 40, 48, 64]))
def test_relay_keys_sent_to_openai_say_set_the_base_url(rng: random.Random, length: int) -> None:
    """`sk-` + random body with no OpenAI layout (one-api/new-api, LiteLLM): the relay's."""
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))
    assume(kind_of("sk-" + body) is None or kind_of("sk-" + body).provider in ("relay", "litellm"))  # type: ignore[union-attr]
    text = hint("sk-" + body, host=OPENAI_HOST)
    assert "base URL" in text
    assert cause("sk-" + body, host="relay.example.net") is None  # a relay's own host


@EXAMPLES
@given(rng=st.randoms(use_true_random=True))
def test_an_entra_token_sent_to_openai_is_named(rng: random.Random) -> None:
    """An Azure Entra ID token (issuer Microsoft) to api.openai.com: `other_provider_key`."""
    token = entra_token(rng)
    assert "Entra ID token" in hint(token, host=OPENAI_HOST)
    assert cause(token, host=own_host(kind_by_name("azure_hex"))) is None  # where it belongs


# --- values a person wrote -------------------------------------------------------------------

_SYLLABLE = st.builds(
    lambda c, v: c + v, st.sampled_from("bdfglmnprstvz"), st.sampled_from("aeiou")
)
_WORD = (
    st.lists(_SYLLABLE, min_size=1, max_size=4)
    .map("".join)
    .map(lambda w: w if len(w) > 2 else w + w)
)
_PIECE = st.one_of(
    _WORD,
    _WORD.map(str.upper),
    _WORD.map(str.capitalize),
    st.integers(0, 99999).map(str),
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(string.ascii_letters + string.digits),
        st.integers(5, 30),
    ),
    st.integers(0, 5).map(lambda s: "".join(chr(ord("a") + s + i) for i in range(6))),
)
HUMAN = st.lists(_PIECE, min_size=1, max_size=3).flatmap(
    lambda pieces: st.sampled_from(["-", "_", ""]).map(lambda sep: (sep, pieces))
)
_PREFIXES = st.sampled_from(["", "sk-", "sk-proj-", "sk-None-", "sk-svcacct-", "sk-admin-"])


@EXAMPLES
@given(prefix=_PREFIXES, text=HUMAN)  # type: ignore[arg-type]
def test_words_numbers_and_fillers_are_placeholders(
    prefix: str, text: tuple[str, list[str]]
) -> None:
    """Words, numbers, repeats and sequences, bare or after an OpenAI prefix: placeholders."""
    sep, pieces = text
    glued = itertools.pairwise(pieces)
    assume(sep or not any(a[-1:].isdigit() and b[:1].isdigit() for a, b in glued))
    text = sep.join(pieces)
    assume(not text.isdigit() or len(text) <= 12)
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


_IDENT = st.lists(_WORD, min_size=1, max_size=2)
_KEYISH = st.sampled_from(["key", "token", "secret"])


@EXAMPLES
@given(words=_IDENT, suffix=_KEYISH, style=st.sampled_from(["snake", "camel", "screaming"]))
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
    words=_IDENT,
    suffix=_KEYISH,
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
    words=st.lists(_WORD, min_size=1, max_size=3),
    leaf=st.sampled_from(["apiKey", "token", "secretKey"]),
)
def test_helm_values_are_named_by_their_path(words: list[str], leaf: str) -> None:
    """`{{ .Values.openai.apiKey }}` names `.Values.openai.apiKey`, not a piece of it."""
    path = ".Values." + ".".join([*words, leaf])
    assert path in hint("{{ " + path + " }}")


@EXAMPLES
@given(
    words=st.lists(_WORD, min_size=2, max_size=4),
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


def test_fingerprint_of_a_quoted_key_matches_sha256sum_of_the_key() -> None:
    """Contract section 6 (0.2): `printf %s "$KEY" | sha256sum` matches the logged hash."""
    key = key_of_kind(kind_by_name("openai_project"), random.Random(7))
    ev = gather_evidence(replies.exchange(request_headers={"authorization": f'Bearer "{key}"'}))
    assert ev.key is not None
    assert ev.key.endswith(hashlib.sha256(key.encode()).hexdigest()[:12])
    assert ev.key.split("...")[1].startswith(key[-4:])


@EXAMPLES
@given(pair=keys(OPENAI_KINDS), quote=st.sampled_from(QUOTES))
def test_a_key_that_worked_then_sent_quoted_is_quoted_not_revoked(
    pair: tuple[KeyKind, str], quote: str
) -> None:
    """Same fingerprint as the key that worked, but the quotes broke it: `quoted_key`."""
    kind, key = pair
    assume(kind.name != "openai_admin")
    history = KeyHistory()
    history.record_success(fingerprint_key(key), KeySeen(replies.NOW - 60, None, None))
    value = quote + key + quote
    exchange = replies.exchange(
        request_headers={"authorization": f"Bearer {value}"},
        body=replies.incorrect(replies.echo(value)),
        path="/v1/models",
    )
    finding = diagnose(gather_evidence(exchange, history))
    assert finding is not None and finding.cause == "quoted_key"
