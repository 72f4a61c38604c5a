"""Reading log lines for people: docker prefixes, filters, one line of text per event."""

from __future__ import annotations

import pytest

from authlens.tools.logview import (
    LineFilter,
    format_event,
    format_line,
    parse_line,
    status_matches,
)
from tests.logdata import OK, event, line


@pytest.mark.parametrize(
    "prefix",
    [
        "",
        "authlens-1  | ",
        "authlens_1  | 2026-01-15T08:00:00.000000000Z ",
        "\x1b[36mauthlens-1  |\x1b[0m ",
    ],
)
def test_json_found_after_any_prefix(prefix: str) -> None:
    """The JSON object is found after docker compose's service prefix, timestamps and colours."""
    parsed = parse_line(prefix + line(id="x") + "\r\n")
    assert parsed.event is not None
    assert parsed.event["id"] == "x"
    assert parsed.json_text == line(id="x")


@pytest.mark.parametrize("text", ["", "plain text", "{not json", "[1, 2]", '"{}"x', "{}}"])
def test_non_json_lines_are_kept_as_text(text: str) -> None:
    """Anything that is not a JSON object is text, never an exception."""
    parsed = parse_line(text)
    assert parsed.event is None
    assert format_line(parsed).plain == text


@pytest.mark.parametrize(
    ("status", "wanted", "matches"),
    [
        (401, "401", True),
        (401, "4xx", True),
        (401, "5xx", False),
        (None, "none", True),
        (None, "4xx", False),
        (200, "none", False),
        (503, "5XX", True),
    ],
)
def test_status_matches(status: int | None, wanted: str, matches: bool) -> None:
    """Exact codes, classes like 4xx, and `none` for failed connections."""
    assert status_matches(status, wanted) is matches


@pytest.mark.parametrize(
    ("keep", "changes", "kept"),
    [
        (LineFilter(), OK, True),
        (LineFilter(errors=True), OK, False),
        (LineFilter(errors=True), {}, True),
        (LineFilter(errors=True), {"status": None, "cause": "upstream_unreachable"}, True),
        (LineFilter(causes=frozenset({"quoted_key"})), {}, True),
        (LineFilter(causes=frozenset({"rate_limited"})), {}, False),
        (LineFilter(statuses=("2xx",)), OK, True),
        (LineFilter(hosts=("*.openai.azure.com",)), {}, False),
        (LineFilter(hosts=("API.openai.com",)), {}, True),
    ],
)
def test_filters(keep: LineFilter, changes: dict[str, object], kept: bool) -> None:
    """Each filter keeps what it names; an empty filter keeps everything."""
    assert keep.matches(event(**changes)) is kept


def test_exchange_line_has_everything_a_person_needs() -> None:
    """Time, status, request, duration, cause: hint, key fingerprint and all three ids."""
    text = format_line(parse_line(line())).plain
    assert text == (
        "08:00:00 401 POST api.openai.com/v1/chat/completions 250ms quoted_key: The key is "
        "wrapped in quotes [remove them].  key=sk-proj-...abcd sha256:3f2a9c1b0d4e  id=id-1  "
        "client_id=c-1  upstream_id=req_1  sdk=openai-python 1.109.1"
    )


def test_client_id_shown_once_when_it_is_ours() -> None:
    """When the client sent no X-Client-Request-Id, ours is the same: `id=` only."""
    text = format_line(parse_line(line(id="u-1", client_request_id="u-1"))).plain
    assert "id=u-1" in text
    assert "client_id=" not in text


@pytest.mark.parametrize(
    "field", ["path", "id", "client_request_id", "upstream_request_id", "key", "hint", "sdk"]
)
def test_escape_sequences_never_reach_the_terminal(field: str) -> None:
    """ESC, BEL, CR, bidi overrides and undecodable bytes from the wire are shown escaped."""
    hostile = "\x1b[2J\x1b]0;owned\x07\rfake\u202egnp\udcff"
    text = format_event(event(**{field: f"x{hostile}"})).plain
    assert not any(c in text for c in "\x1b\x07\r\u202e\udcff")
    assert "\\x1b[2J" in text
    assert "\\u202e" in text
    assert "\\xff" in text


def test_typographic_quotes_are_shown_as_they_are() -> None:
    """Visible non-ASCII text (quotes, accents) is not escaped."""
    text = format_line(parse_line(line(hint="Remove the \u201cquotes\u201d, Société."))).plain
    assert "\u201cquotes\u201d, Société." in text


def test_failed_connection_and_other_events() -> None:
    """No status shows as ---; an internal_error event shows its name and fields."""
    failed = format_line(parse_line(line(status=None, duration_ms=12000.0))).plain
    assert failed.startswith("08:00:00 --- POST api.openai.com/v1/chat/completions 12.0s ")
    internal = '{"event":"internal_error","level":"error","hook":"response","error":"Boom"}'
    assert (
        format_line(parse_line(internal)).plain
        == "--:--:-- internal_error  hook=response  error=Boom"
    )
