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

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_TIME = re.compile(r"T(\d\d:\d\d:\d\d)")


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


def clock(timestamp: object) -> str:
    """`12:01:02` from an RFC 3339 timestamp, or the value as text."""
    text = str(timestamp or "")
    match = _TIME.search(text)
    return match.group(1) if match else (text[:8] or "--:--:--")


def status_style(status: object) -> str:
    if not isinstance(status, int):
        return "bold red"
    if status >= 500:
        return "bold red"
    if status >= 400:
        return "bold yellow"
    return "green"


def duration(value: object) -> str:
    if not isinstance(value, (int, float)):
        return "-"
    return f"{value / 1000:.1f}s" if value >= 10_000 else f"{value:.0f}ms"


def _field(text: Text, name: str, value: object) -> None:
    if value not in (None, ""):
        text.append(f"  {name}=", style="dim")
        text.append(str(value), style="dim")


def format_exchange(event: Mapping[str, Any]) -> Text:
    """`12:01:02 401 POST host/path 312ms cause: hint  key=... id=... ...` as styled text."""
    status = event.get("status")
    text = Text(clock(event.get("timestamp")), style="dim")
    text.append(f" {status if status is not None else '---'} ", style=status_style(status))
    text.append(f"{event.get('method') or '-'} {event.get('host') or ''}{event.get('path') or ''}")
    text.append(f" {duration(event.get('duration_ms'))}", style="cyan")
    if event.get("cause"):
        text.append(f" {event['cause']}", style="bold magenta")
        if event.get("hint"):
            text.append(f": {event['hint']}")
    _field(text, "key", event.get("key"))
    _field(text, "client", event.get("client"))
    _field(text, "id", event.get("id"))
    _field(text, "client_id", event.get("client_request_id"))
    _field(text, "upstream_id", event.get("upstream_request_id"))
    return text


def format_event(event: Mapping[str, Any]) -> Text:
    """One line for any log event: exchanges in full, other events by name and level."""
    if event.get("event") == "exchange":
        return format_exchange(event)
    level = str(event.get("level") or "info")
    text = Text(clock(event.get("timestamp")), style="dim")
    text.append(f" {event.get('event') or 'event'}", style="bold red" if level == "error" else "")
    details = [(k, v) for k, v in event.items() if k not in ("timestamp", "event", "level")]
    for name, value in details:
        _field(text, name, value)
    return text


def format_line(line: LogLine) -> Text:
    """A parsed line as text; a line that is not a JSON object is shown dimmed as it was."""
    if line.event is None:
        return Text(line.text, style="dim")
    return format_event(line.event)
