"""The human view (`output/human.py`) and the table style (`tools/console.py`) without a
terminal: layout, escaping, the banner, and tables that never cut a fingerprint."""

from __future__ import annotations

import io
import random

import orjson
import pytest
from rich.console import Console
from rich.text import Text

from authlens.output.human import (
    INDENT,
    Listener,
    banner,
    exchange_pieces,
    printable,
    render_json_line,
    short_hint,
    wrapped,
)
from authlens.tools.console import make_table, print_table, row
from tests.logdata import event

FINGERPRINT = "sk-proj-...abcd sha256:3f2a9c1b0d4e"


@pytest.mark.parametrize("width", [40, 57, 80, 100, 133])
@pytest.mark.parametrize("seed", range(5))
def test_wrapped_fits_and_keeps_pieces_whole(width: int, seed: int) -> None:
    """Every line fits; lines after the first are indented; a piece that fits on a line is
    never split (the uuid appears whole); a fingerprint breaks at most at its space."""
    rng = random.Random(seed)
    hint = " ".join("w" * rng.randint(1, 14) for _ in range(rng.randint(0, 40)))
    uuid = "6f1c0001-9a7e-4b1d-8c2f-1d2e3f4a5b6c"
    pieces = exchange_pieces(event(hint=hint, id=uuid, key=FINGERPRINT), full=True)
    lines = [line.plain for line in wrapped(pieces, width)]
    assert all(len(line) <= width for line in lines)
    assert all(line.startswith(" " * INDENT) and line[INDENT] != " " for line in lines[1:])
    assert any("key=sk-proj-...abcd" in line for line in lines)
    assert any("sha256:3f2a9c1b0d4e" in line for line in lines)
    if width - INDENT >= len(f"key={FINGERPRINT}"):
        assert any(f"key={FINGERPRINT}" in line for line in lines)
    if width - INDENT >= len(f"id={uuid}"):
        assert any(f"id={uuid}" in line for line in lines)


def test_a_piece_wider_than_the_line_is_folded_not_lost() -> None:
    path = "/v1/" + "x" * 150
    lines = [line.plain for line in wrapped(exchange_pieces(event(path=path)), 60)]
    assert all(len(line) <= 60 for line in lines)
    assert "".join(line.strip() for line in lines).count("x") == 150


@pytest.mark.parametrize(
    ("hint", "short"),
    [
        (
            "The key is quoted: remove the quotes; Windows set keeps them.",
            "The key is quoted: remove the quotes",
        ),
        (
            "No key was sent at all by this client. Set OPENAI_API_KEY.",
            "No key was sent at all by this client.",
        ),
        ("Short; cut", "Short; cut"),
    ],
)
def test_short_hint_is_the_first_clause(hint: str, short: str) -> None:
    assert short_hint(hint) == short


def test_printable_escapes_only_what_is_invisible() -> None:
    assert printable("a\x1b[31mb\x07\r\n\t\u200b\u202e\ufeff") == (
        "a\\x1b[31mb\\x07\\x0d\\x0a\\x09\\u200b\\u202e\\ufeff"
    )
    assert printable("“quoted” Société ñ €") == "“quoted” Société ñ €"
    assert printable("x\udcff") == "x\\xff"


def test_render_json_line_plain_and_coloured() -> None:
    data = orjson.dumps(event()) + b"\n"
    plain = render_json_line(data, width=None, color=False, full=False).decode()
    assert plain.count("\n") == 1
    assert "\x1b" not in plain
    assert "quoted_key:" in plain
    coloured = render_json_line(data, width=80, color=True, full=False).decode()
    assert "\x1b[" in coloured
    assert render_json_line(b"not json\x1b]0;x\x07\n", width=80, color=False, full=False) == (
        b"not json\\x1b]0;x\\x07\\x0a"
    )


def test_banner_says_where_what_to_run_and_where_the_log_goes() -> None:
    text = banner(
        [
            Listener("127.0.0.1", 9090, "regular"),
            Listener("127.0.0.1", 8081, "reverse:https://api.openai.com"),
        ],
        ca_file="/home/u/.mitmproxy/mitmproxy-ca-cert.pem",
        log_file="/var/log/a.jsonl",
        command="bin/authlens",
        full=False,
    )
    assert "127.0.0.1:9090  regular proxy" in text
    assert 'eval "$(bin/authlens env --proxy http://127.0.0.1:9090)"' in text
    assert "OPENAI_BASE_URL=http://127.0.0.1:8081/v1" in text
    assert "/home/u/.mitmproxy/mitmproxy-ca-cert.pem" in text
    assert "/var/log/a.jsonl" in text
    default = banner(
        [Listener("127.0.0.1", 8080, "regular")],
        ca_file="ca.pem",
        log_file=None,
        command="authlens",
        full=True,
    )
    assert 'eval "$(authlens env)"' in default
    assert "authlens_log_file" in default


def _terminal(width: int) -> Console:
    return Console(file=io.StringIO(), width=width, force_terminal=True, color_system=None)


@pytest.mark.parametrize("width", [60, 80, 100, 140])
def test_tables_never_cut_a_fingerprint_or_a_timestamp(width: int) -> None:
    """Whatever the width: the table if it fits, else one block per row; never a cut word."""
    console = _terminal(width)
    table = make_table(console, "key", "n", "first seen", "hint", words=["key"], wrap=["hint"])
    stamp = "2026-11-27T10:48:21.512Z"
    table.add_row(*row(FINGERPRINT, 3, stamp, "a long hint " * 12))
    print_table(console, table)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert stamp in out
    assert all(len(line) <= width for line in out.splitlines())
    assert "sk-proj-...abcd" in out
    assert "sha256:3f2a9c1b0d4e" in out
    assert "…" not in out


def test_row_escapes_but_keeps_our_newlines() -> None:
    (cell,) = row("first\nsecond\x1b[2J")
    assert isinstance(cell, Text)
    assert cell.plain == "first\nsecond\\x1b[2J"
