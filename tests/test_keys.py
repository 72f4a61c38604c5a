"""Key formats, OpenAI key shapes, and the fingerprint (contract section 6)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authlens.credentials.keys import (
    KINDS,
    Shape,
    fingerprint_key,
    is_fingerprint,
    key_kind,
    kind_prefix,
    openai_shape,
)
from tests import synthetic_keys as sk


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        (sk.legacy_key(), "openai_legacy"),
        (sk.project_key(), "openai_project"),
        (sk.project_key(half=58), "openai_project"),
        (sk.early_project_key(), "openai_project"),
        (sk.svcacct_key(), "openai_service_account"),
        (sk.admin_key(), "openai_admin"),
        (sk.none_key(), "openai_user"),
        ("ek_" + sk.body(32), "openai_ephemeral"),
        (sk.deepseek_key(), "deepseek"),
        (sk.anthropic_key(), "anthropic"),
        (sk.openrouter_key(), "openrouter"),
        (sk.google_key(), "google"),
        (sk.groq_key(), "groq"),
        (sk.xai_key(), "xai"),
        (sk.huggingface_key(), "huggingface"),
        (sk.perplexity_key(), "perplexity"),
        (sk.session_key(), "chatgpt_session"),
        (sk.azure_hex_key(), "azure_hex"),
        (sk.azure_long_key(), "azure_84"),
        (sk.jwt(), "jwt"),
        ("DEADBEEF", None),
        ("sk-proj-abc", None),
    ],
)
def test_key_kind_matches_whole_formats_only(token: str, kind: str | None) -> None:
    """Each format is recognised by its full shape; near misses are no kind at all."""
    found = key_kind(token)
    assert (found.name if found else None) == kind


@pytest.mark.parametrize(
    ("token", "shape"),
    [
        (sk.legacy_key(), Shape.VALID),
        (sk.project_key(), Shape.VALID),
        (sk.project_key(half=58), Shape.VALID),
        (sk.svcacct_key(), Shape.VALID),
        (sk.admin_key(), Shape.VALID),
        (sk.none_key(), Shape.VALID),
        (sk.early_project_key(), Shape.VALID),
        ("sk-proj-" + sk.body(124, 1, sk.KEY_CHARS), Shape.VALID),
        ("sk-" + sk.body(92, 2), Shape.VALID),
        ("sk-service-acct-name-" + sk.body(74) + sk.MARKER + sk.body(74, 1), Shape.VALID),
        (sk.relay_key(), Shape.FOREIGN),
        (sk.deepseek_key(), Shape.FOREIGN),
        ("sk-proj-" + sk.body(30), Shape.TRUNCATED),
        ("sk-proj-" + sk.body(74), Shape.TRUNCATED),
        (sk.project_key()[:100], Shape.TRUNCATED),
        ("sk-" + sk.body(20), Shape.TRUNCATED),
        ("sk-", Shape.DEGENERATE),
        ("sk-proj-" + "x" * 48, Shape.DEGENERATE),
        ("sk-ant-api03-" + sk.body(95), None),
        ("sk-or-v1-" + sk.body(64), None),
        ('"' + sk.project_key(), None),
        ("sk-proj-" + sk.body(40) + " ", None),
        ("gsk_" + sk.body(52), None),
    ],
)
def test_openai_shape(token: str, shape: Shape | None) -> None:
    """Known formats are valid; short ones truncated; relays plausible; others not OpenAI."""
    assert openai_shape(token) is shape


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.sampled_from(["sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-"]),
    half=st.sampled_from([58, 74]).flatmap(
        lambda n: st.text(alphabet=sk.KEY_CHARS, min_size=n, max_size=n)
    ),
)
def test_every_marker_key_is_valid(prefix: str, half: str) -> None:
    """Any key of the current format (two random halves around the marker) is valid; halves
    of a few repeated characters are a filler, not a key."""
    key = prefix + half + sk.MARKER + half[::-1]
    few = len(set(half)) <= 4  # a random half of 58+ characters never has so few
    assert openai_shape(key) is (Shape.DEGENERATE if few else Shape.VALID)


@pytest.mark.parametrize(
    ("token", "prefix"),
    [
        (sk.project_key(), "sk-proj-"),
        (sk.legacy_key(), "sk-"),
        ('"' + sk.project_key(), "sk-proj-"),
        ("${" + sk.admin_key() + "}", "sk-admin-"),
        (sk.anthropic_key(), "sk-ant-api03-"),
        ("ek_" + sk.body(30), "ek_"),
        ("DEADBEEF", ""),
    ],
)
def test_kind_prefix_sees_through_wrapping(token: str, prefix: str) -> None:
    """The prefix shown in fingerprints skips quotes and braces around a key."""
    assert kind_prefix(token) == prefix


@pytest.mark.parametrize(
    "token",
    [
        sk.project_key(),
        sk.legacy_key(),
        "DEADBEEF",
        "x",
        sk.azure_hex_key(),
        "sk-\u200b" + "a" * 30,
    ],
)
def test_fingerprint_is_recognised_and_holds_no_secret(token: str) -> None:
    """A fingerprint is recognisable as one and shows at most the prefix and last 4."""
    shown = fingerprint_key(token)
    assert is_fingerprint(shown)
    assert shown.isascii()
    assert not sk.leaked_windows(shown.rpartition(" sha256:")[0], token[:-4])


def test_short_keys_show_no_last_four() -> None:
    """Below 20 characters the fingerprint shows no tail."""
    assert fingerprint_key("DEADBEEF").startswith("... sha256:")


@pytest.mark.parametrize(
    "value",
    [
        sk.project_key(),
        "sk-proj-...Ab3d",
        "sk-proj-...Ab3d sha256:zzzzzzzzzzzz",
        "sha256:3f2a9c1b0d4e",
        "sk-proj-...Ab3d sha256:3f2a9c1b0d4e trailing",
        "",
    ],
)
def test_non_fingerprints_are_not_taken_for_one(value: str) -> None:
    """Keys, masked copies and lookalikes are not fingerprints."""
    assert not is_fingerprint(value)


def _key_kind_by_scan(token: str) -> object:
    return next((kind for kind in KINDS if kind.pattern.fullmatch(token)), None)


@given(
    st.sampled_from(["", "sk-", "sk-ant-", "sk-proj-", "ek_", "eyJ", "AIza", "hf_", "x", "0"]),
    st.text(alphabet="abcdef0123456789ABCDEFXYZ_-.+/=", max_size=140),
)
@settings(max_examples=300)
def test_key_kind_by_first_character_is_the_full_scan(prefix: str, rest: str) -> None:
    """Trying only the formats a token's first character allows finds the same kind."""
    assert key_kind(prefix + rest) is _key_kind_by_scan(prefix + rest)


def test_fingerprint_is_not_cached() -> None:
    """No cache keeps a raw key alive (issue 10); the fingerprint is the same every time."""
    token = "sk-proj-" + "Q" * 60
    assert fingerprint_key(token) == fingerprint_key(token)
    assert not hasattr(fingerprint_key, "cache_info")
