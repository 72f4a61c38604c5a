"""Read a `.env` file as bytes, the way loaders disagree about it.

python-dotenv and docker compose strip a line's CR, the trailing blanks of an unquoted value
and the quotes around a value; `source .env` in a shell keeps the CR, and `docker run
--env-file` keeps blanks and quotes. Each entry therefore carries both the value most loaders
see (`value`) and the text as written after `=` (`raw`). Files no loader can read (UTF-16
from PowerShell, binary, bad syntax) get a `problem` instead of silently losing variables.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

_ASSIGNMENT = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*")
_DOUBLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "'": "'"}
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True, slots=True)
class DotenvEntry:
    """One `NAME=value` line."""

    name: str
    value: str  # as python-dotenv and docker compose see it
    raw: str  # everything after `=` as written, CR and trailing blanks included
    line: int  # 1-based
    quoted: bool


@dataclass(frozen=True, slots=True)
class DotenvFile:
    """A parsed file; `problems` are reasons loaders fail on it (one line each, ASCII)."""

    path: Path
    entries: tuple[DotenvEntry, ...]
    problems: tuple[str, ...]
    crlf: bool


def _looks_utf16(data: bytes) -> bool:
    if data.startswith(_UTF16_BOMS):
        return True
    # Without a BOM: ASCII text in UTF-16 has a NUL in every other byte.
    sample = data[:200]
    nuls = max(sample[0::2].count(0), sample[1::2].count(0))
    return len(sample) >= 4 and nuls > len(sample) // 4


def decode(data: bytes, name: str) -> tuple[str | None, list[str]]:
    """The text of the file and any problems; None when no loader can read it at all."""
    if _looks_utf16(data):
        return None, [
            f"{name} is UTF-16 (PowerShell's 'echo ... > .env' and Out-File write that); docker "
            "compose and python-dotenv cannot read it: save it as UTF-8 without BOM "
            "(PowerShell: Set-Content -Encoding ascii, or your editor)"
        ]
    if b"\x00" in data:
        return None, [f"{name} contains NUL bytes: it is binary, not a .env file"]
    problems = []
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        problems.append(
            f"{name} starts with a UTF-8 BOM: python-dotenv reads the first name with the BOM "
            "glued to it, so that variable is never set; save the file as UTF-8 without BOM"
        )
    try:
        return data.decode("utf-8"), problems
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        return None, [f"{name} is not UTF-8 (line {line}): save it as UTF-8"]


def _quoted(rest: str, lines: list[str], index: int) -> tuple[str, str, int] | None:
    """(value, raw, last line index) of a quoted value that may span lines; None if unclosed."""
    quote, text, end_line = rest[0], rest, index
    while True:
        position, value = 1, list[str]()
        while position < len(text):
            char = text[position]
            if char == quote:
                return "".join(value), text, end_line
            if quote == '"' and char == "\\" and position + 1 < len(text):
                nxt = text[position + 1]
                value.append(_DOUBLE_ESCAPES.get(nxt, "\\" + nxt))
                position += 2
                continue
            value.append(char)
            position += 1
        if end_line + 1 >= len(lines):
            return None
        end_line += 1
        text = f"{text}\n{lines[end_line]}"


def _unquoted(rest: str) -> str:
    """An unquoted value: up to an inline ` #` comment, without CR or trailing blanks."""
    comment = re.search(r"[ \t]#", rest)
    value = rest[: comment.start()] if comment else rest
    return value.rstrip(" \t\r")


def parse_dotenv(data: bytes, path: Path) -> DotenvFile:
    """Entries and problems of a `.env` file's bytes; never raises."""
    text, problems = decode(data, str(path))
    if text is None:
        return DotenvFile(path, (), tuple(problems), crlf=False)
    lines = text.split("\n")
    entries: list[DotenvEntry] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip(" \t\r")
        match = _ASSIGNMENT.match(line)
        if not stripped or stripped.startswith("#"):
            pass
        elif match is None:
            problems.append(f"{path} line {index + 1} is not NAME=value; loaders stop or skip it")
        else:
            rest = line[match.end() :]
            quoted = _quoted(rest, lines, index) if rest[:1] in ("'", '"') else None
            if quoted is not None:
                value, raw, last = quoted
                entries.append(DotenvEntry(match.group(1), value, raw, index + 1, quoted=True))
                index = last
            else:
                entries.append(DotenvEntry(match.group(1), _unquoted(rest), rest, index + 1, False))
        index += 1
    crlf = "\r\n" in text
    return DotenvFile(path, tuple(entries), tuple(problems), crlf)


def read_dotenv(path: Path) -> DotenvFile:
    """Parse the file at `path`; an unreadable file is a problem, not an exception."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return DotenvFile(path, (), (f"{path} cannot be read: {e.strerror}",), crlf=False)
    return parse_dotenv(data, path)
