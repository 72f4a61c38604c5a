"""Keys cut short at every length, and keys pasted twice."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from authlens.registry import KeyKind, kind_of
from tests.keygen import MARKED_OPENAI, keys
from tests.mistakes.kit import (
    EXAMPLES,
    cause,
    hint,
)


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
