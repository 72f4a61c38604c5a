"""Reading authlens JSON log lines for people: parse, filter, and one line of text each.

Lines may come from the log file, from mitmdump's stdout, or from `docker compose logs`,
which prefixes each line with `service  | ` (and sometimes a timestamp or colour codes), so
the JSON object is looked for after any prefix. A line that is not a JSON object is kept as
text; nothing here raises on odd input.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from rich.text import Text

from authlens.output.human import event_pieces, one_line, printable, wrapped

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line as read: the JSON object it carries (if any) and that object's own text."""

    text: str  # without its line ending or colour codes
    event: dict[str, Any] | None
    json_text: str | None


def parse_line(line: str) -> LogLine:
    """The JSON object in `line`, after a `docker compose logs` prefix if there is one."""
    text = _ANSI.sub("", line.rstrip("\r\n"))
    start = text.find("{")
    if start >= 0:
        candidate = text[start:].rstrip()
        try:
            value = orjson.loads(candidate)
        except orjson.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            return LogLine(text, value, candidate)
    return LogLine(text, None, None)


def status_matches(status: object, wanted: str) -> bool:
    """`401`, `4xx` or `none` (no response) against an event's status."""
    wanted = wanted.strip().lower()
    if wanted in ("none", "null", "-"):
        return status is None
    if not isinstance(status, int):
        return False
    if len(wanted) == 3 and wanted.endswith("xx"):
        return str(status)[0] == wanted[0]
    return wanted == str(status)


def is_error(event: Mapping[str, Any]) -> bool:
    """A failed exchange: a diagnosis, a status of 400 or more, no response, or our own error."""
    status = event.get("status")
    return (
        event.get("cause") is not None
        or event.get("event") == "internal_error"
        or status is None
        or (isinstance(status, int) and status >= 400)
    )


@dataclass(frozen=True, slots=True)
class LineFilter:
    """What `tail` and `report` keep; an empty filter keeps everything."""

    errors: bool = False
    causes: frozenset[str] = frozenset()
    statuses: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()  # glob patterns, case-insensitive

    @property
    def active(self) -> bool:
        return bool(self.errors or self.causes or self.statuses or self.hosts)

    def matches(self, event: Mapping[str, Any]) -> bool:
        if self.errors and not is_error(event):
            return False
        if self.causes and event.get("cause") not in self.causes:
            return False
        if self.statuses and not any(status_matches(event.get("status"), s) for s in self.statuses):
            return False
        host = str(event.get("host") or "").lower()
        return not self.hosts or any(fnmatch.fnmatchcase(host, h.lower()) for h in self.hosts)


def format_event(event: Mapping[str, Any], *, full: bool = True) -> Text:
    """One event on one line: `12:01:02 401 POST host/path 312ms cause: hint  key=...  id=...`."""
    return one_line(event_pieces(event, full=full))


format_exchange = format_event


def format_line(line: LogLine, *, full: bool = True) -> Text:
    """A parsed line as text; a line that is not a JSON object is shown dimmed as it was."""
    if line.event is None:
        return Text(printable(line.text), style="dim")
    return format_event(line.event, full=full)


def layout_line(line: LogLine, width: int, *, full: bool = True) -> list[Text]:
    """A parsed line laid out in `width` columns, continuation lines indented."""
    if line.event is None:
        return [Text(printable(line.text), style="dim")]
    return wrapped(event_pieces(line.event, full=full), width)
