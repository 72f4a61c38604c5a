"""Read a `.env` file as python-dotenv does, and as bytes for what loaders disagree about.

python-dotenv (its own parser and `${VAR}` expansion, so `check` sees what `load_dotenv()`
sees) and docker compose strip a line's CR, the trailing blanks of an unquoted value and the
quotes around a value; `source .env` in a shell keeps the CR, and `docker run --env-file`
keeps blanks and quotes. Each entry therefore carries both the value the loader sees
(`value`) and the text as written after `=` (`raw`). Only what loaders lose is read from the
bytes: files no loader can read (UTF-16 from PowerShell, binary, not UTF-8), a BOM, a CR on
every line.
"""

from __future__ import annotations

import codecs
import dataclasses
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv.parser import Binding, parse_stream
from dotenv.variables import Variable, parse_variables

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
    crlf: bool  # every line ends with a CR: a shell or `docker run --env-file` keeps them all


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


def _entry(binding: Binding) -> DotenvEntry | None:
    """A python-dotenv binding with its raw text after `=` (CR and trailing blanks kept)."""
    if binding.key is None or binding.value is None:
        return None
    text = binding.original.string
    body = text.lstrip()
    line = binding.original.line + text[: len(text) - len(body)].count("\n")
    raw = body.partition("=")[2].lstrip(" \t")
    raw = raw[:-1] if raw.endswith("\n") else raw  # the line's end; a CR before it stays
    return DotenvEntry(binding.key, binding.value, raw, line, quoted=raw[:1] in ("'", '"'))


def parse_dotenv(data: bytes, path: Path) -> DotenvFile:
    """Entries and problems of a `.env` file's bytes, parsed by python-dotenv; never raises.

    python-dotenv decides what a loader sees; the bytes decide what it cannot say (an
    encoding no loader reads, a BOM, a CR on every line).
    """
    text, problems = decode(data, str(path))
    if text is None:
        return DotenvFile(path, (), tuple(problems), crlf=False)
    entries: list[DotenvEntry] = []
    for binding in parse_stream(io.StringIO(text)):
        entry = _entry(binding)
        if entry is not None:
            entries.append(entry)
        elif binding.error or (binding.key is not None and binding.value is None):
            body = binding.original.string.lstrip()
            lead = binding.original.string[: len(binding.original.string) - len(body)]
            line = binding.original.line + lead.count("\n")
            problems.append(f"{path} line {line} is not NAME=value; loaders stop or skip it")
    lines = [line for line in text.split("\n")[:-1] if line.strip(" \t\r")]
    crlf = bool(lines) and all(line.endswith("\r") for line in lines)
    return DotenvFile(path, tuple(entries), tuple(problems), crlf)


def expand(entries: tuple[DotenvEntry, ...], environ: Mapping[str, str]) -> list[DotenvEntry]:
    """Entries with `${VAR}` expanded as `load_dotenv()` does: the environment wins over
    earlier lines of the file, an unset variable becomes empty (python-dotenv's `resolve`)."""
    seen: dict[str, str | None] = {}
    expanded = []
    for entry in entries:
        env: dict[str, str | None] = {**seen, **environ}
        value = "".join(atom.resolve(env) for atom in parse_variables(entry.value))
        seen[entry.name] = value
        expanded.append(dataclasses.replace(entry, value=value))
    return expanded


def undefined_references(
    value: str, environ: Mapping[str, str], earlier: Iterable[str]
) -> list[str]:
    """Names `${NAME}` in `value` refers to that neither the environment nor the file sets."""
    known = set(environ) | set(earlier)
    return [
        atom.name
        for atom in parse_variables(value)
        if isinstance(atom, Variable) and atom.name not in known and atom.default is None
    ]


def read_dotenv(path: Path) -> DotenvFile:
    """Parse the file at `path`; an unreadable file is a problem, not an exception."""
    try:
        data = path.read_bytes()
    except OSError as e:
        return DotenvFile(path, (), (f"{path} cannot be read: {e.strerror}",), crlf=False)
    return parse_dotenv(data, path)
