"""`.env` files read as bytes: values as python-dotenv sees them, raw text as a shell sees it."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from authlens.tools.dotenv_bytes import parse_dotenv, read_dotenv

PATH = Path(".env")


@pytest.mark.parametrize(
    ("line", "value", "raw"),
    [
        (b"A=plain", "plain", "plain"),
        (b"A=plain\r", "plain", "plain\r"),
        (b"A=trail   ", "trail", "trail   "),
        (b'A="quoted value"  # c', "quoted value", '"quoted value"  # c'),
        (b"A='single \\n raw'", "single \\n raw", "'single \\n raw'"),
        (b'A="esc \\" q"', 'esc " q', '"esc \\" q"'),
        (b"export A=exp", "exp", "exp"),
        (b"A=val # comment", "val", "val # comment"),
        (b"A=a#b", "a#b", "a#b"),
        (b"A=", "", ""),
        (b"  A = spaced ", "spaced", "spaced "),
    ],
)
def test_values_as_python_dotenv_reads_them(line: bytes, value: str, raw: str) -> None:
    """The loader's value strips CR, blanks and quotes; `raw` keeps what was written."""
    parsed = parse_dotenv(line + b"\n", PATH)
    assert parsed.problems == ()
    assert [(e.name, e.value, e.raw) for e in parsed.entries] == [("A", value, raw)]


def test_multiline_double_quoted_value() -> None:
    """A quoted value may span lines; the next entry keeps its own line number."""
    parsed = parse_dotenv(b'A="one\ntwo"\nB=3\n', PATH)
    assert [(e.name, e.value, e.line) for e in parsed.entries] == [
        ("A", "one\ntwo", 1),
        ("B", "3", 3),
    ]


def test_crlf_file_is_flagged() -> None:
    """A CRLF file is noticed (shells keep the CR)."""
    assert parse_dotenv(b"A=1\r\nB=2\r\n", PATH).crlf
    assert not parse_dotenv(b"A=1\nB=2\n", PATH).crlf


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (codecs.BOM_UTF16_LE + "A=1\r\n".encode("utf-16-le"), "UTF-16"),
        ("A=1\r\nB=2\r\n".encode("utf-16-le"), "UTF-16"),
        (b"A=1\n\x00\x01\x02binary", "binary"),
        (b"A=\xff\xfe1\n", "not UTF-8"),
    ],
)
def test_unreadable_files_have_no_entries(data: bytes, words: str) -> None:
    """UTF-16 (PowerShell), binary and non-UTF-8 files are a problem, not silently empty."""
    parsed = parse_dotenv(data, PATH)
    assert parsed.entries == ()
    assert len(parsed.problems) == 1
    assert words in parsed.problems[0]
    assert parsed.problems[0].isascii()


def test_utf8_bom_is_a_problem_but_entries_are_read() -> None:
    """python-dotenv glues a BOM to the first name; the entries are still linted."""
    parsed = parse_dotenv(codecs.BOM_UTF8 + b"OPENAI_API_KEY=x\n", PATH)
    assert [e.name for e in parsed.entries] == ["OPENAI_API_KEY"]
    assert "BOM" in parsed.problems[0]


def test_bad_syntax_names_the_line() -> None:
    """A line that is not NAME=value is reported with its number; the rest is read."""
    parsed = parse_dotenv(b"# comment\nA=1\nthis is not valid\nB=2\n", PATH)
    assert [e.name for e in parsed.entries] == ["A", "B"]
    assert parsed.problems == (".env line 3 is not NAME=value; loaders stop or skip it",)


def test_unreadable_path_is_a_problem(tmp_path: Path) -> None:
    """A directory (or unreadable file) gives a problem, not an exception."""
    parsed = read_dotenv(tmp_path)
    assert parsed.entries == ()
    assert "cannot be read" in parsed.problems[0]
