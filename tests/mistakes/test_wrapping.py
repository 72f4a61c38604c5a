"""Keys wrapped the ways people wrap them: quotes, whitespace, invisible characters, labels."""

from __future__ import annotations

import hashlib
import random
import re

from hypothesis import assume, given
from hypothesis import strategies as st

from authlens.credentials.key_families import QUOTES
from authlens.credentials.keys import fingerprint_key
from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.history import KeyHistory, KeySeen
from authlens.diagnosis.rules import diagnose
from authlens.registry import KeyKind, kind_by_name
from tests import replies
from tests.keygen import OPENAI_KINDS, key_of_kind, keys
from tests.mistakes.kit import (
    EXAMPLES,
    OPENAI_HOST,
    cause,
)


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


@EXAMPLES
@given(
    pair=keys(OPENAI_KINDS),
    words=st.sampled_from(["myid", "yourkey", "enterToken", "MYSECRET", "actualid"]),
    data=st.data(),
)
def test_placeholder_words_inside_key_material_are_chance(
    pair: tuple[KeyKind, str], words: str, data: st.DataObject
) -> None:
    """A random body can spell `myid` or `yourkey` between other key characters (1 key in
    about 100 did, for "your ... key" anywhere): with a space in the key, that is still
    `whitespace_in_key`, not a placeholder."""
    kind, key = pair
    body_at = data.draw(st.integers(len(kind.prefix) + 1, len(key) - len(words) - 1))
    spliced = key[:body_at] + words + key[body_at + len(words) :]
    # The words glued inside key material: 8 key characters on each side, and the space
    # elsewhere (a space right before them would make them a word of their own).
    piece = next(m for m in re.finditer(r"[A-Za-z0-9]+", spliced) if m.end() > body_at)
    assume(body_at - piece.start() >= 8 and piece.end() - body_at - len(words) >= 8)
    at = data.draw(st.integers(1, len(key) - 1))
    assume(not body_at - 8 <= at <= body_at + len(words) + 8)
    assert cause(spliced[:at] + " " + spliced[at:], location="env:OPENAI_API_KEY") == (
        "whitespace_in_key"
    )
