"""Redaction of headers, paths and free text: fingerprints instead of secrets, fail closed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authlens.credentials.keys import fingerprint_key
from authlens.secrets.redactor import REDACTED, redact_header, redact_path, redact_text
from tests.keyfactory import admin_key, leaks, legacy_key, project_key

KEYS = [project_key(1), legacy_key(2), admin_key(3)]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(
    "template",
    [
        "Bearer {k}",
        "error: Incorrect API key provided: {k}.",
        "OPENAI_API_KEY={k}",
        '{{"api_key": "{k}"}}',
        "key={k}&x=1",
        "token: {k}",
    ],
)
def test_key_shaped_strings_are_fingerprinted(key: str, template: str) -> None:
    """Any sk- key inside text becomes its fingerprint, whatever surrounds it."""
    text = redact_text(template.format(k=key))
    assert not leaks(text, key, "sk-")
    assert fingerprint_key(key) in text


def test_known_secret_of_unknown_shape() -> None:
    """A credential the request carried is redacted even without a known shape."""
    secret = "Zq8-unknown-shape-credential-77"
    text = redact_text(f"sent {secret} twice: {secret}", [secret])
    assert secret not in text
    assert text.count("sha256:") == 2


def test_bearer_and_basic_tokens_of_any_shape() -> None:
    """Bearer/Basic/token values are redacted even when they are not key-shaped."""
    cases = [
        ("Bearer abcdefghijklmnop", "abcdefghijklmnop"),
        ("Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ("token=abcdefghij1234", "abcdefghij1234"),
    ]
    for raw, secret in cases:
        assert not leaks(redact_text(raw), secret)


def test_request_ids_and_fingerprints_survive() -> None:
    """OpenAI request ids and our own fingerprints are not secrets."""
    text = "req_0123456789abcdef0123456789abcdef " + fingerprint_key(KEYS[0])
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("Authorization", f"Bearer {KEYS[0]}", f"Bearer {fingerprint_key(KEYS[0])}"),
        ("authorization", KEYS[1], fingerprint_key(KEYS[1])),
        (
            "Proxy-Authorization",
            "Basic dXNlcjpzZWNyZXQ=",
            f"Basic {fingerprint_key('dXNlcjpzZWNyZXQ=')}",
        ),
        (
            "api-key",
            "0123456789abcdef0123456789abcdef",
            fingerprint_key("0123456789abcdef0123456789abcdef"),
        ),
        ("X-Api-Key", "short", fingerprint_key("short")),
        ("Cookie", "a=1; session=s3cr3t", f"a={REDACTED}; session={REDACTED}"),
        ("Set-Cookie", "__cf_bm=abc; Path=/; HttpOnly", f"__cf_bm={REDACTED}; Path=/; HttpOnly"),
        ("User-Agent", "OpenAI/Python 1.109.1", "OpenAI/Python 1.109.1"),
    ],
)
def test_redact_header(name: str, value: str, shown: str) -> None:
    """Secret-bearing headers keep their scheme or names, never their values."""
    assert redact_header(name, value) == shown


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/models?key=abc123secret&x=1", "/v1/models?key=%5BREDACTED%5D&x=1"),
        (
            "/v1/models?api-key=abc&API_KEY=def",
            "/v1/models?api-key=%5BREDACTED%5D&API_KEY=%5BREDACTED%5D",
        ),
        ("/v1/models?limit=5", "/v1/models?limit=5"),
        ("/v1/models", "/v1/models"),
    ],
)
def test_redact_path(path: str, expected: str) -> None:
    """Key-like query parameters lose their values; the rest of the path stays."""
    assert redact_path(path) == expected


def test_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    """When redaction itself fails, the whole value is withheld."""
    import authlens.secrets.redactor as redact
    import authlens.secrets.shapes as shapes

    def broken(_: str) -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(redact, "fingerprint_key", broken)
    monkeypatch.setattr(shapes, "fingerprint_key", broken)
    assert redact_text(f"Bearer {KEYS[0]}") == REDACTED
    assert redact_header("api-key", KEYS[0]) == REDACTED


@pytest.mark.parametrize(
    "key",
    [
        "sk-svcacct-" + "B" * 60,
        "sk-ant-api03-" + "C" * 95,
        "sk-admin-" + "D" * 70,
        "sess-" + "E" * 40,
    ],
)
def test_fingerprints_are_not_redacted_twice(key: str) -> None:
    """A fingerprint with a long kind prefix passes through redaction unchanged."""
    fingerprint = fingerprint_key(key)
    assert redact_text(f"key {fingerprint} rejected") == f"key {fingerprint} rejected"


def test_realtime_subprotocol_and_ephemeral_keys() -> None:
    """Keys in the Realtime subprotocol list and ephemeral ek_ keys are redacted."""
    secret = "Zk29f0aa77b1c2d3e4f5a6b7"
    header = f"realtime, openai-insecure-api-key.{secret}, openai-beta.realtime-v1"
    assert not leaks(redact_header("Sec-WebSocket-Protocol", header), secret)
    ephemeral = "ek_" + "Q7" * 16
    assert not leaks(redact_text(f"token {ephemeral}"), ephemeral, "ek_")


# The single alternation `redact_text` ran before it was split into prefiltered passes
# (benchmarks.md, fix 4); the split passes must redact exactly as it did.
_ONE_PATTERN = re.compile(
    r"(?:sk-|sess-|ek_|gsk_|xai-|AIza|hf_|pplx-|api_org_)[A-Za-z0-9_\-]{8,512}+(?!\.\.\.)"
    r"|(?<=openai-insecure-api-key\.)[^\s,]{8,512}+(?!\.\.\.)"
    r"|eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,4096}(?:\.[A-Za-z0-9_-]{0,4096})?"
    r"|(?<![A-Za-z0-9_-])[a-f0-9]{32}(?![A-Za-z0-9_-])"
)
_ONE_AUTH = re.compile(r"(?i)\b(bearer|basic|token)(\s+|\s*[:=]\s*)([^\s\"',;&}]{8,4096})")
HEX = "0123456789abcdef" * 2


def _one_pass_redaction(text: str) -> str:
    def auth(match: re.Match[str]) -> str:
        token = match.group(3)
        if token.startswith("[REDACTED") or "..." in token:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{fingerprint_key(token)}"

    text = _ONE_PATTERN.sub(lambda m: fingerprint_key(m.group(0)), text)
    return _ONE_AUTH.sub(auth, text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "short",
        "sk-12345678",
        "sk-1234567",
        "ok",
        f"hex {HEX} end",
        f"{HEX}x",
        f"-{HEX}",
        f"id={HEX}, key={KEYS[0]}",
        f"realtime, openai-insecure-api-key.{KEYS[0]}",
        f"realtime, openai-insecure-api-key.{KEYS[0]}.tail, other",
        f"openai-insecure-api-key.{HEX}",
        "openai-insecure-api-key.abcdefgh12345678 and Bearer abcdefghijkl",
        f"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.{HEX}",
        f"TOKEN: {KEYS[1]} and basic dXNlcjpwYXNzd29yZA==",
        "BeArEr abcdefghijklmnop",
        "tokens=abcdefghijklmnop",
        fingerprint_key(KEYS[2]) + " Bearer " + fingerprint_key(KEYS[0]),
        f"AIza{'b' * 35} hf_{'c' * 34} gsk_{'d' * 52} ek_{'e' * 20}",
        "a" * 31 + " " + "b" * 32,
    ],
)
def test_prefiltered_passes_redact_as_the_single_pattern_did(text: str) -> None:
    """Skipping passes that cannot match changes nothing in the result."""
    assert redact_text(text) == _one_pass_redaction(text)


_FRAGMENTS = [
    "sk-",
    "sk-proj-",
    "ek_",
    "eyJ",
    "AIza",
    "api_org_",
    "openai-insecure-api-key.",
    "Bearer ",
    "token=",
    "basic:",
    "...",
    ".",
    ",",
    " ",
    "-",
    "_",
    "abcdef",
    "0123456789",
    "ABCDEFGH",
    HEX,
]


@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=12).map("".join))
def test_prefiltered_passes_match_the_single_pattern_on_any_mix(text: str) -> None:
    """Key prefixes, hex runs, websocket keys and scheme words in any order: same result."""
    assert redact_text(text) == _one_pass_redaction(text)
