"""The Redactor's cheap pre-checks decide exactly what its full passes would.

Each fast path (a literal look before the shape regex, a fold before the auth-word regex, the
window scan walking runs of key characters only, `touches` before a field-by-field scrub) may only skip work
that would have changed nothing. Each is compared here with the slow pass it guards, on
generated text built from real key shapes, pieces of them and fingerprints.
"""

from __future__ import annotations

import re
import string

from hypothesis import example, given, settings
from hypothesis import strategies as st

from authlens.output.logsink import REDACTED_FIELD, SECRETS_FIELD, scrub_secrets
from authlens.registry import PREFIXES, WEBSOCKET_KEY_PROTOCOL
from authlens.secrets import redactor as r
from authlens.secrets import shapes
from authlens.secrets.fingerprint import fingerprint_key, kind_prefix
from authlens.secrets.redactor import REDACTED, WINDOW, Redactor

KEY_CHARS = string.ascii_letters + string.digits + "-_"
keys = st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from([*PREFIXES, ""]),
    st.text(KEY_CHARS, min_size=8, max_size=90),
)
SAMPLE_BODY = "Ab3dEf6hIj9kLm2oPq5sTu8wXyZ1"
# Text around a key: prose, separators, hex runs, stars, auth words, fingerprints, pieces.
fillers = st.one_of(
    st.text(string.printable, max_size=30),
    st.sampled_from(
        [" ", "\n", "...", "***", "Bearer ", "token=", "basic:", WEBSOCKET_KEY_PROTOCOL, "eyJ"]
    ),
    st.text("0123456789abcdefABCDEF", min_size=28, max_size=36),
    st.text("ſKkıİ" + string.ascii_letters, max_size=8),
)


@st.composite
def texts_with(draw: st.DrawFn, key: str) -> str:
    """A text holding pieces of `key`, its fingerprint and fillers, in any order."""
    parts = draw(st.lists(fillers, max_size=6))
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, len(key) - 1))
        end = draw(st.integers(start, len(key)))
        parts.insert(draw(st.integers(0, len(parts))), key[start:end])
    if draw(st.booleans()):
        parts.append(fingerprint_key(key))
    return "".join(parts)


@st.composite
def key_and_text(draw: st.DrawFn) -> tuple[str, str]:
    key = draw(keys)
    return key, draw(texts_with(key))


def key_windows(redactor: Redactor) -> set[str]:
    """Every 8 characters of each key-like secret that reach beyond its kind prefix."""
    return {
        core[i : i + WINDOW]
        for core in redactor.secrets
        if re.fullmatch(r"[A-Za-z0-9_\-+/=.~]{12,}", core)
        and re.search(r"[0-9]", core)
        and re.search(r"[A-Za-z]", core)
        for i in range(max(0, len(kind_prefix(core)) - WINDOW + 1), len(core) - WINDOW + 1)
    }


def naive_cut(redactor: Redactor, text: str) -> str:
    """The window cut as specified: each character any window of a key covers is cut, and
    each run of cut characters becomes one [REDACTED]."""
    covered = [False] * len(text)
    windows = key_windows(redactor)
    for i in range(len(text) - WINDOW + 1):
        if text[i : i + WINDOW] in windows:
            covered[i : i + WINDOW] = [True] * WINDOW
    out, previous = [], False
    for char, cut in zip(text, covered, strict=True):
        if not cut:
            out.append(char)
        elif not previous:
            out.append(REDACTED)
        previous = cut
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(key_and_text())
def test_shape_precheck_never_skips_a_match(case: tuple[str, str]) -> None:
    _, text = case
    if shapes.SHAPES_TEXT.search(text):
        assert shapes.may_have_shape(text)


def test_shape_precheck_at_the_shortest_match_of_every_prefix() -> None:
    """Each registry prefix followed by exactly 7, 8 and 9 key characters, then an end."""
    for prefix in [*PREFIXES, WEBSOCKET_KEY_PROTOCOL + "x"]:
        for length in (7, 8, 9):
            for end in ("", " ", ".", "...", ",", "\n"):
                text = f"a {prefix}{SAMPLE_BODY[:length]}{end}"
                assert shapes.may_have_shape(text) or not shapes.SHAPES_TEXT.search(text), text


def test_window_cut_finds_every_window_at_every_alignment() -> None:
    """Every 8-character window of keys of each prefix length, at text offsets 0 to 3."""
    for prefix in ("", "sk-", "ghp_", "sk-proj-", "sk-svcacct-"):
        key = prefix + SAMPLE_BODY * 2
        redactor = Redactor((key,))
        for j in range(len(key) - WINDOW + 1):
            for pad in ("", "x", "x.", "x. "):
                text = f"{pad}{key[j : j + WINDOW]} tail"
                assert redactor._cut_windows(text) == naive_cut(redactor, text), (key, text)


@settings(max_examples=400, deadline=None)
@given(key_and_text())
@example(("sk-proj-" + "a1" * 30, "see sk-proj-" + "a1" * 30 + " here"))
def test_window_cut_equals_the_full_scan(case: tuple[str, str]) -> None:
    key, text = case
    redactor = Redactor((key,))
    assert redactor._cut_windows(text) == naive_cut(redactor, text)


def test_a_fingerprint_does_not_trigger_the_window_scan() -> None:
    """The key's last 4 characters, which a fingerprint shows, are not a probe."""
    key = "sk-proj-" + "Ab3dEf6hIj9kLm2oPq5sTu8wXy" * 4
    redactor = Redactor((key,))
    hint = f"OpenAI rejected this key ({fingerprint_key(key)}): create a new one."
    assert not redactor._may_echo(hint)
    assert redactor._may_echo(hint + key[30:38])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(["bearer", "basic", "token"]), st.data())
def test_auth_word_fold_agrees_with_the_regex(around: str, word: str, data: st.DataObject) -> None:
    # Any letter may be swapped for a character `re` folds to it (ſ, K, ı, İ ...).
    swaps = {"s": "ſ", "k": "\u212a", "i": "ı", "b": "B", "t": "T"}
    shown = "".join(swaps.get(c, c) if data.draw(st.booleans()) else c for c in word)
    text = around + shown + around
    assert shapes.has_auth_word(text) == bool(re.search(r"(?i)bearer|basic|token", text))


@settings(max_examples=400, deadline=None)
@given(key_and_text())
def test_touches_is_false_only_when_text_changes_nothing(case: tuple[str, str]) -> None:
    key, text = case
    for redactor in (Redactor((key,)), Redactor()):
        if not redactor.touches(text):
            assert redactor.text(text) == text


@settings(max_examples=200, deadline=None)
@given(key_and_text(), st.lists(st.text(string.printable, max_size=20), max_size=4))
def test_log_scrub_is_the_same_with_the_joined_look(
    case: tuple[str, str], others: list[str]
) -> None:
    """The sink's one look at all fields gives each field what redacting it alone gives."""
    key, text = case
    redactor = Redactor((key,))
    event = {f"f{i}": value for i, value in enumerate([text, *others])}
    scrubbed = scrub_secrets(None, "info", {**event, SECRETS_FIELD: redactor})
    assert scrubbed == {name: redactor.text(value) for name, value in event.items()}


def test_fields_the_emitter_redacted_are_not_redacted_again() -> None:
    key = "sk-proj-" + "Zy9xWv8uTs7rQp6oNm5lKj4iHg3f" * 3
    redactor = Redactor((key,))
    hint = redactor.text(f"the key {key} was revoked", partial=True)
    event = {"hint": hint, "note": f"again {key}", SECRETS_FIELD: redactor}
    scrubbed = scrub_secrets(None, "info", {**event, REDACTED_FIELD: ("hint",)})
    assert scrubbed["hint"] == hint
    assert key not in scrubbed["note"]
    assert REDACTED_FIELD not in scrubbed


def test_named_fields_count_only_with_the_redactor_that_redacted_them() -> None:
    """Secrets given as a tuple build a new Redactor: no field is taken as redacted."""
    key = "sk-proj-" + "Zy9xWv8uTs7rQp6oNm5lKj4iHg3f" * 3
    event = {"hint": f"raw {key}", SECRETS_FIELD: (key,), REDACTED_FIELD: ("hint",)}
    assert key not in scrub_secrets(None, "info", event)["hint"]


def test_a_key_made_of_safe_characters_is_its_own_encoding() -> None:
    key = "sk-proj-" + "Ab3dEf6hIj9kLm2oPq5sTu8wXy" * 4
    assert r._encodings(key) == {key}
    assert r._encodings("pass word/with+chars") >= {
        "pass%20word%2Fwith%2Bchars",
        "pass+word%2Fwith%2Bchars",
        "pass word\\/with+chars",
    }


@settings(max_examples=300, deadline=None)
@given(st.data(), keys, st.lists(st.text(string.printable, max_size=20), max_size=4))
def test_leaves_alone_only_when_no_text_changes(
    data: st.DataObject, key: str, others: list[str]
) -> None:
    """The joined look at several texts (an error body's strings) never skips a change."""
    redactor = Redactor((key,))
    texts = [data.draw(texts_with(key)), *others]
    for partial in (False, True):
        if redactor.leaves_alone(texts, partial=partial):
            assert all(redactor.text(t, partial=partial) == t for t in texts)
