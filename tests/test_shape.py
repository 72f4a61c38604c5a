"""`shape.human_text`: random key material is not mistaken for text a person wrote.

The bound in the module docstring (below 1e-4 past 20 characters) is measured here on
seeded random bodies of every registry alphabet, so a change that makes the rules greedier
fails loudly instead of turning real keys into "placeholders".
"""

from __future__ import annotations

import random

import pytest

from authlens.credentials.shape import degenerate, human_text, written_body
from authlens.registry import KINDS, KeyKind

ALPHABETS = sorted({kind.chars() for kind in KINDS if not kind.exact and kind.name != "jwt"})
SAMPLES = 20_000


@pytest.mark.parametrize("chars", ALPHABETS, ids=lambda c: f"{len(c)}chars")
@pytest.mark.parametrize(("length", "bound"), [(20, 5e-4), (32, 2e-4), (74, 1e-4)])
def test_random_bodies_are_not_human_text(chars: str, length: int, bound: float) -> None:
    """At most `bound` of random bodies of `length` read as human text."""
    rng = random.Random(f"{len(chars)}-{length}")
    bodies = ("".join(rng.choice(chars) for _ in range(length)) for _ in range(SAMPLES))
    assert sum(map(human_text, bodies)) / SAMPLES <= bound


@pytest.mark.parametrize("chars", ALPHABETS, ids=lambda c: f"{len(c)}chars")
def test_random_bodies_of_valid_length_are_never_degenerate(chars: str) -> None:
    """`degenerate` (used on exact-kind matches) never refuses a random body."""
    rng = random.Random(len(chars))
    for length in (32, 48, 148):
        assert not any(
            degenerate("".join(rng.choice(chars) for _ in range(length))) for _ in range(2000)
        )


@pytest.mark.parametrize(
    ("text", "human"),
    [
        ("x" * 40, True),  # a filler
        ("0" * 7, True),
        ("abcdefgh", True),  # a sequence
        ("asdfgh", True),  # a keyboard walk
        ("test-2024", True),  # a word and a year
        ("BBBBB-demo", True),  # pieces judged alone
        ("Zx81-q", False),  # short but mixed: could be a cut key
    ],
)
def test_structure_not_words(text: str, human: bool) -> None:
    """Repeats, sequences, keyboard walks and word/number pieces; mixed classes are not."""
    assert human_text(text) is human


@pytest.mark.parametrize("length", [16, 24, 32, 64])
def test_random_hex_is_not_human_text(length: int) -> None:
    """Hex ids and keys (all 16 digits, walks by chance) stay machine-made: at most 5e-4."""
    rng = random.Random(f"hex-{length}")
    values = (
        "".join(rng.choice("0123456789abcdef") for _ in range(length)) for _ in range(SAMPLES)
    )
    assert sum(map(human_text, values)) / SAMPLES <= 5e-4


@pytest.mark.parametrize(
    "text",
    ["1000abcdefabcdef", "12345babedeadfadebead", "83920badefa17364", "dead-beef-1234-cafe"],
)
def test_hex_a_person_wrote_is_human_text(text: str) -> None:
    """Hex digits as words, numbers and a long sequence (found by the mistakes generator)."""
    assert human_text(text)


@pytest.mark.parametrize("kind", [k for k in KINDS if k.layouts], ids=lambda k: k.name)
def test_no_random_body_of_an_exact_length_is_written(kind: KeyKind) -> None:
    """A body that fits a kind exactly must pass when it is random: `written_body` judges
    those (a real key of 16 to 48 characters failed `human_text` about 1 time in 5,000)."""
    rng = random.Random(f"written-{kind.name}")
    chars = kind.chars()
    for layout in kind.layouts:
        bodies = ("".join(rng.choice(chars) for _ in range(layout.length)) for _ in range(2000))
        assert not any(map(written_body, bodies)), (kind.name, layout.length)


@pytest.mark.parametrize(
    "body",
    [
        "babababa-Babababa-1000",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabababedi",
        "1234567890abcdefghij",
        "your_litellm_key_here",
        "0" * 32,
    ],
)
def test_bodies_a_person_wrote_are_written(body: str) -> None:
    """Fillers, long sequences and words of one case each (found by the mistakes generator)."""
    assert written_body(body)
