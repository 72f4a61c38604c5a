"""Judge a value by its structure: is it random key material, or something a person wrote?

Keys are random: their characters mix classes (upper, lower, digits) in short runs. People
write words, numbers, sequences and repeats: `FIXME`, `sk-test-123`, `no-token`, `1111111`,
`qwerty`, `REDACTED`. `human_text` tells the two apart without any word list: it splits a
value into segments (words, numbers) and asks whether every segment reads like a word or a
short number, whether the value repeats one character or walks a sequence, and whether it
keeps to one character class. Random bodies of 12+ characters fail all of these with a
probability below 1e-4 (measured in `tests/test_shape.py`).
"""

from __future__ import annotations

import itertools
import re

# Segments: a capitalised or lower-case word, an upper-case run, a number.
_SEGMENT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_VOWELS = frozenset("aeiouyAEIOUY")
_CONSONANTS = re.compile(r"[^aeiouyAEIOUY0-9]{4}")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")
_SEPARATOR_CHARS = frozenset("-_")
_HEX = re.compile(r"[0-9a-f]{16,}")
# Keyboard rows: `qwerty`, `asdf` are walks along them, not random picks.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_WALKED = 12  # longest value whose walks are looked for
_WALK = 4  # characters of a sequence or a keyboard walk that count as one
_HEX_PIECES = 3  # at most this many number and word pieces in hex a person wrote
_FEW_DISTINCT = 10  # characters: a random body of 13 or more holds more, nearly always
_LONG_WALK = 8  # a sequence this long (`12345678`) is written, never drawn
_HEX_WALK = 6  # a walk in hex digits (`abcdef`, `012345`) that chance seldom makes
# A filler in a body that fits a kind: 8 of one character, or 1 to 3 characters repeated to
# 8 or 9 (`babababa`). Chance makes one in fewer than 1 in 10^9 random alphanumeric bodies,
# and in about 1 in 150,000 bodies of 32 hex digits (measured).
_FILLER = re.compile(r"(.)\1{7}|(..)\2{3}|(...)\3{2}", re.S)
_RUN = 5  # one character repeated this often (once more past these): a filler (`xxxxx`)
_RUN_LONGER = 40  # up to here, 5 in a row come by chance about once in 400,000 values
_RUN_LONGER_HEX = 14  # 16 digits, not 62: runs come sooner
_SHORT_NUMBER = 6  # `123`, `2024`: numbers people type


def _classes(text: str) -> int:
    return (
        any(c.isupper() for c in text)
        + any(c.islower() for c in text)
        + any(c.isdigit() for c in text)
    )


def _longest_run(text: str) -> int:
    best = run = 0
    previous = ""
    for c in text:
        run = run + 1 if c == previous else 1
        previous = c
        best = max(best, run)
    return best


def _has_walk(text: str, size: int | None = None) -> bool:
    """`abcd`, `4321`, `qwer`: a sequence of code points or keys of `_WALK` characters.

    Past 12 characters a walk must be 5 long: a random body holds `abcd` now and then.
    """
    if size is None:
        size = _WALK + (len(text) > _WALKED)  # longer values hold short walks by chance
    for i in range(len(text) - size + 1):
        piece = text[i : i + size]
        steps = {ord(b) - ord(a) for a, b in itertools.pairwise(piece)}
        if steps in ({1}, {-1}):
            return True
        if any(piece in row or piece[::-1] in row for row in _ROWS):
            return True
    return False


def _wordlike(segment: str) -> bool:
    """A short number, or letters pronounceable as a word (vowels, no long consonant run)."""
    if segment.isdigit():
        return len(segment) <= _SHORT_NUMBER
    vowels = sum(c in _VOWELS for c in segment)
    if len(segment) < 2 or vowels * 4 < len(segment):
        return False
    return _CONSONANTS.search(segment) is None


def human_text(text: str) -> bool:
    """True when `text` reads as written by a person (or a filler), not as random material.

    `text` is a key body or a whole value; separators (`-`, `_`, `.`, spaces) split it into
    pieces, each judged alone (`BBBBB-test-2024`); one- and two-letter pieces say nothing.
    """
    pieces = [p for p in _SEPARATORS.split(text) if len(p) > 2]
    if len(pieces) > 1:
        return all(map(_human_piece, pieces))
    return _human_piece(text)


def _human_piece(text: str) -> bool:
    core = "".join(c for c in text if c.isalnum())
    if len(core) <= 2:
        return True
    longer = _RUN_LONGER_HEX if _HEX.fullmatch(core) else _RUN_LONGER
    if len(set(core)) <= 2 or _longest_run(core) >= _RUN + (len(core) > longer):
        return True
    if _HEX.fullmatch(core):
        # Hex ids and keys hold short walks by chance (one in ~500 of 64 digits holds a walk
        # of 5), one of 6 about once in 10,000; long words between numbers almost never.
        return _has_walk(core, _HEX_WALK) or _hex_words(core)
    if _has_walk(core):
        return True
    if _classes(core) == 1 and not (core.isdigit() and len(core) > _WALKED):
        return True  # one class: a word, a name, a number; long digit strings are ids
    return _spoken(text, core)


def _hex_words(core: str) -> bool:
    """Hex digits as a person writes them: at most 3 pieces, numbers and words of 4 or more
    letters (`12345deadbeef`); random hex alternates letters and digits every few places."""
    segments = _SEGMENT.findall(core)
    return len(segments) <= _HEX_PIECES and all(
        _wordlike(s) and (s.isdigit() or len(s) >= _WALK) for s in segments
    )


_SHORT = 12  # characters: shorter than any key's body


def _spoken(text: str, core: str) -> bool:
    """Few pieces, each a short number or a pronounceable word (`1000-dead-beef`)."""
    segments = _SEGMENT.findall(text)
    if not segments or not all(map(_wordlike, segments)):
        return False
    # Words are long or set apart by separators; random text splits into many short bits.
    # A value too short for any key (`0baba0`) is a few glued words or numbers at most.
    pieces = [p for p in _SEPARATORS.split(text) if p]
    if len(core) <= _SHORT and len(segments) <= _HEX_PIECES:
        return True
    return len(segments) * 3 <= len(core) or len(segments) <= max(len(pieces), 2)


def written_body(body: str) -> bool:
    """A body that fits a kind exactly, yet a person wrote it: a filler (`degenerate`), a
    long sequence (`12345678`, `qwertyui`), or human text (`human_text`) made of few distinct
    characters or of three or more words of one case each (`your_api_key_here`).
    `human_text` alone takes about 1 random 16-character body in 1,000 for text a person
    wrote; a real key must pass, and these take none measurably (`tests/test_shape.py`).
    """
    core = "".join(c for c in body if c.isalnum())
    if degenerate(body) or _has_walk(core, _LONG_WALK):
        return True
    if not human_text(body):
        return False
    # Human text, and also what chance never makes of a whole key: few distinct characters
    # (glued fillers, `babababe...abcdef`), or three or more pieces of one case each.
    pieces = [p for p in _SEPARATORS.split(body) if p]
    one_case = all(p.islower() or p.isupper() or p.istitle() or p.isdigit() for p in pieces)
    few = len(set(core)) <= _FEW_DISTINCT and not _HEX.fullmatch(core)  # hex has 16 at most
    return few or (len(pieces) >= 3 and one_case)


def degenerate(body: str) -> bool:
    """A body of a valid length made of a few characters: `xxxx...`, `0000...`, `abab...`.

    Used for values that fit a kind exactly, where `human_text`'s finer tests would now and
    then refuse a real key; few distinct characters never happen in a random body.
    """
    distinct = set(body) - _SEPARATOR_CHARS
    if len(distinct) <= max(2, min(len(body) // 8, 4)):
        return True
    # A filler (`aaaaaaaa...` or `babababa...` before a few other letters).
    return _FILLER.search(body) is not None
