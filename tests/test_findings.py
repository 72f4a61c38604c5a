"""The helpers response rules build findings with (`diagnosis/findings.py`)."""

from __future__ import annotations

import functools
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authlens.diagnosis import account_rules, policy_rules
from authlens.diagnosis.findings import finding, may_say, said, who_answered, worked_with
from authlens.diagnosis.hints import one_line, quote_snippet
from authlens.diagnosis.history import KeySeen
from authlens.diagnosis.upstream import UpstreamReply
from authlens.exchange import Side
from authlens.output.events import build_event
from authlens.registry import KINDS
from authlens.secrets.redactor import Redactor
from tests.keyfactory import leaks, project_key
from tests.keygen import key_of_kind
from tests.replies import NOW, evidence, openai_error

KEY = project_key(41)


def reply(
    message: str = "",
    code: str | None = None,
    *,
    answered_by: str = "openai",
    envelope: str = "openai",
    error_type: str | None = None,
    server: str | None = None,
) -> UpstreamReply:
    return UpstreamReply(answered_by, None, code, message, envelope, error_type, server)


def test_finding_is_one_line_redacted_where_it_leaves() -> None:
    """A finding's hint is one line; the key goes where the hint leaves authlens (once, in
    `build_event`), and the key's fingerprint survives that whole."""
    ev = evidence(key=KEY, body=openai_error("no"))
    assert ev.key is not None
    found = finding("invalid_api_key", f"The key {KEY} ({ev.key}) was\nrejected.")
    assert found.side is Side.RESPONSE
    assert "\n" not in found.hint
    shown = build_event(ev, found, Redactor(ev.secrets))["hint"]
    assert ev.key in shown
    assert not leaks(shown, KEY, "sk-proj-")


@pytest.mark.parametrize("limit", [40, 120, 400])
def test_a_cut_hint_or_quote_leaves_no_piece_of_a_key(limit: int) -> None:
    """Cutting a long line through a key drops the key's piece with it: half a key is not
    key-shaped, so no later redaction could find it (quotes are also redacted before)."""
    cut = one_line if limit == 400 else functools.partial(quote_snippet, limit=limit)
    for at in range(limit - 3 - len(KEY), limit - 3):  # the cut goes through the key
        shown = cut("x" * at + " " + KEY + " and more words after it")
        assert len(shown) <= limit
        assert not leaks(shown, KEY, "sk-proj-"), shown


def test_said_matches_code_type_or_message_words_in_any_case() -> None:
    """`said` is true for a listed code or error type, or a needle in the lowered message."""
    assert said(reply(code="invalid_api_key"), codes=("invalid_api_key",))
    assert said(reply(error_type="insufficient_quota"), codes=("insufficient_quota",))
    assert said(reply("Incorrect API Key provided"), "incorrect api key")
    assert not said(reply("Rate limit reached"), "incorrect api key", codes=("invalid_api_key",))
    assert not said(None, "anything")


def test_who_answered_names_an_intermediary_by_its_server_and_body() -> None:
    """An HTML page from nginx is named as such; a known provider by its name."""
    page = reply(answered_by="intermediary", envelope="html", server="nginx/1.25")
    assert who_answered(page) == (
        "an intermediary (Server: nginx/1.25, an HTML page, no upstream request id)"
    )
    assert who_answered(reply(answered_by="litellm")) == "a LiteLLM proxy"
    assert who_answered(reply(answered_by="someone")) == "someone"


def test_worked_with_quotes_the_history_or_nothing() -> None:
    """The organization the key last worked with, and when; nothing without a history."""
    seen = KeySeen(last_ok=NOW - 60, organization="org-abc", project=None)
    with_history = evidence(key=KEY, seen=seen, body=openai_error("no"))
    text = worked_with(with_history, "organization")
    assert text.startswith(" This key worked with organization org-abc at ")
    assert worked_with(with_history, "project") == ""
    assert worked_with(evidence(key=KEY, body=openai_error("no")), "organization") == ""


# Each case-insensitive message regex a rule guards with `may_say`, and the words it checks.
GUARDED = [
    (policy_rules._BILLING, ("billing",)),
    (policy_rules._REGIONAL, ("region", "host")),
    (policy_rules._UNVERIFIED, ("organi", "verifi")),
    (account_rules._IP_BLOCKED, ("ip",)),
]
_PIECES = st.sampled_from(
    [
        "Billing",
        "REGIONAL",
        "host",
        "Hostname",
        "organisation",
        "Organization",
        "verified",
        "IP",
        "not allowed",
        "allowlist",
        " ",
        ".",
        "ſ",
        "K",
        "ı",
        "İ",
        "x",
    ]
)


@pytest.mark.parametrize(("pattern", "words"), GUARDED)
@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=8).map("".join))
def test_may_say_never_hides_a_match(
    pattern: re.Pattern[str], words: tuple[str, ...], message: str
) -> None:
    """`may_say` is false only where the regex it guards cannot match (exact, not a guess)."""
    assert may_say(message, *words) or not pattern.search(message)


def test_a_hint_keeps_the_fingerprint_of_every_kind_intact() -> None:
    """Redacting a hint never mangles the key's fingerprint in it (no placeholder swap)."""
    rng = random.Random(11)
    for kind in KINDS:
        key = key_of_kind(kind, rng)
        ev = evidence(key=key, body=openai_error("Incorrect API key provided"))
        assert ev.key is not None
        made = finding("invalid_api_key", f"The key {ev.key} was refused.")
        shown = build_event(ev, made, Redactor(ev.secrets))["hint"]
        assert ev.key in shown, (kind.name, shown)
