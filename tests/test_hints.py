"""Hint helpers: one ASCII line, no secrets, safe labels and header values, UTC clock."""

from __future__ import annotations

import pytest

from authlens.diagnosis.hints import (
    one_line,
    plain_header_value,
    quote_snippet,
    safe_label,
    utc_clock,
)
from tests.keyfactory import leaks, project_key

KEY = project_key(1)


def test_one_line_is_ascii_single_line_and_bounded() -> None:
    """Whitespace collapses, non-ASCII becomes '?', long text is cut."""
    assert one_line("a\n b\u2019c") == "a b?c"
    assert len(one_line("x" * 1000)) == 400


def test_quote_snippet_masks_keys_and_long_tokens() -> None:
    """Quoted upstream text loses keys and long token-like runs."""
    text = quote_snippet(f"key={KEY} hash=3990ab5af667300d00225c754d0c460706ee32b8950537d4 ok", 400)
    assert not leaks(text, KEY, "sk-proj-")
    assert "3990ab5af667300d" not in text
    assert text.endswith("ok")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("org-AbC123", "org-AbC123"),
        ("proj_Good1", "proj_Good1"),
        ("Personal", "Personal"),
        ("My Company", "My Company"),
        (KEY, None),
        ("sk-short", None),
        ("a" * 32, None),
        ("<script>", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_label(value: str | None, shown: str | None) -> None:
    """Org/project values are repeated only when plain and not key-like."""
    assert safe_label(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("27", "27"),
        ("1h36m16.107s", "1h36m16.107s"),
        ("Wed, 21 Oct 2025 07:28:00 GMT", "Wed, 21 Oct 2025 07:28:00 GMT"),
        ("<x>", None),
        (None, None),
    ],
)
def test_plain_header_value(value: str | None, shown: str | None) -> None:
    """Retry and rate-limit values appear only as plain text."""
    assert plain_header_value(value) == shown


def test_utc_clock_shows_the_date_only_on_other_days() -> None:
    """Same UTC day: time only; another day or no reference: with the date."""
    assert utc_clock(1_750_000_000, now=1_750_000_000 + 60) == "15:06 UTC"
    assert utc_clock(1_750_000_000, now=1_750_000_000 + 86400) == "2025-06-15 15:06 UTC"
    assert utc_clock(1_750_000_000) == "2025-06-15 15:06 UTC"


def test_one_line_removes_control_characters() -> None:
    """Control characters quoted from a binary body never reach a hint (or a header)."""
    from authlens.diagnosis.hints import one_line

    assert one_line("bad\x00body\x07here\x7f end") == "bad body here end"
