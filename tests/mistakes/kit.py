"""Shared by the mistake-family tests: settings, the classify helpers and the generators.

Nothing here lists example values of a family: keys come from `keygen` (the registry's
layouts), mistakes are mutations (quotes, whitespace, cuts, labels, separators, case,
provider swaps, double pastes), human text is built from syllables, numbers and repeats.
"""

from __future__ import annotations

import string

from hypothesis import settings
from hypothesis import strategies as st

from authlens.credentials.classify import classify_key_value
from authlens.registry import KeyKind, provider
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


# --- generators of values a person wrote ---------------------------------------------------

SYLLABLE = st.builds(lambda c, v: c + v, st.sampled_from("bdfglmnprstvz"), st.sampled_from("aeiou"))
WORD = (
    st.lists(SYLLABLE, min_size=1, max_size=4)
    .map("".join)
    .map(lambda w: w if len(w) > 2 else w + w)
)
PIECE = st.one_of(
    WORD,
    WORD.map(str.upper),
    WORD.map(str.capitalize),
    st.integers(0, 99999).map(str),
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(string.ascii_letters + string.digits),
        st.integers(5, 30),
    ),
    st.integers(0, 5).map(lambda s: "".join(chr(ord("a") + s + i) for i in range(6))),
)
HUMAN = st.lists(PIECE, min_size=1, max_size=3).flatmap(
    lambda pieces: st.sampled_from(["-", "_", ""]).map(lambda sep: (sep, pieces))
)
PREFIXES = st.sampled_from(["", "sk-", "sk-proj-", "sk-None-", "sk-svcacct-", "sk-admin-"])

IDENT = st.lists(WORD, min_size=1, max_size=2)
KEYISH = st.sampled_from(["key", "token", "secret"])
