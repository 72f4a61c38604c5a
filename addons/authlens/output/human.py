"""The human view of a log event: what `authlens run` on a terminal and `authlens tail` show.

An exchange becomes a list of pieces that are never split (the time, the status, the request,
`key=<fingerprint>`, `id=<uuid>`, `sdk=...`) and the hint's words. Piped, the pieces are joined
on one line, so `grep` sees one line per exchange; on a terminal they are laid out to the
width with a hanging indent, so each exchange reads as one block and a fingerprint or an id
is never cut. Everything that came from the wire passes through `printable`: an escape
sequence in a path, an id or a hint cannot reach the terminal.
"""

from __future__ import annotations

import functools
import io
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from rich.console import Console
from rich.text import Text

INDENT = 9  # continuation lines start under the status, after "12:01:02 "
_TIME = re.compile(r"T(\d\d:\d\d:\d\d)")
_SUSPECT = re.compile(r"[^\x20-\x7e\xa0-\xac\xae-\u02ff]")  # candidates, checked by category
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_SHORT_HINT = 110  # characters of the hint in the short view, cut at a clause when possible


def printable(value: object) -> str:
    """`value` as text safe on a terminal: control and invisible characters escaped (`\\x1b`).

    Typographic quotes, accents and other visible characters stay as they are.
    """
    text = value if isinstance(value, str) else str(value)
    if _SUSPECT.search(text) is None:
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    if unicodedata.category(char) not in _INVISIBLE:
        return char
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clock(timestamp: object) -> str:
    """`12:01:02` from an RFC 3339 timestamp, or the value as text."""
    text = printable(timestamp or "")
    match = _TIME.search(text)
    return match.group(1) if match else (text[:8] or "--:--:--")


def status_style(status: object) -> str:
    if not isinstance(status, int) or status >= 500:
        return "bold red"
    return "bold yellow" if status >= 400 else "green"


def duration(value: object) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "-"
    return f"{value / 1000:.1f}s" if value >= 10_000 else f"{value:.0f}ms"


def short_hint(hint: str) -> str:
    """The hint's first clause (up to `;` or a sentence end), at most about a line."""
    for mark in ("; ", ". "):
        head, sep, _ = hint.partition(mark)
        if sep and len(head) >= 20:
            hint = head + ("." if mark == ". " else "")
            break
    if len(hint) <= _SHORT_HINT:
        return hint
    return hint[:_SHORT_HINT].rsplit(" ", 1)[0] + "…"


def _field(name: str, value: object) -> Text | None:
    if value in (None, ""):
        return None
    return Text(f"{name}={printable(value)}", style="dim")


def exchange_pieces(event: Mapping[str, Any], *, full: bool = True, ids: bool = True) -> list[Text]:
    """The pieces of one exchange, in order; the hint comes as one piece per word.

    `full`: the whole hint (else its first clause) and every id: ours, the client's when it
    differs, the upstream's; `ids` alone: our id only (the short view stays short).
    """
    status = event.get("status")
    level_style = "bold red" if event.get("level") == "error" else "bold magenta"
    request = f"{event.get('method') or '-'} {event.get('host') or ''}{event.get('path') or ''}"
    pieces = [
        Text(clock(event.get("timestamp")), style="dim"),
        Text(str(status) if isinstance(status, int) else "---", style=status_style(status)),
        Text(printable(request)),
        Text(duration(event.get("duration_ms")), style="cyan"),
    ]
    if cause := event.get("cause"):
        pieces.append(
            Text(
                f"{printable(cause)}:" if event.get("hint") else printable(cause), style=level_style
            )
        )
        hint = printable(event.get("hint") or "")
        pieces += [Text(word) for word in (hint if full else short_hint(hint)).split()]
    fields = [("key", event.get("key"))]
    if ids or full:
        fields.append(("id", event.get("id")))
    if full:
        client_id = event.get("client_request_id")
        fields += [
            ("client_id", None if client_id == event.get("id") else client_id),
            ("upstream_id", event.get("upstream_request_id")),
        ]
    fields += [("client", event.get("client")), ("sdk", event.get("sdk"))]
    pieces += [piece for name, value in fields if (piece := _field(name, value)) is not None]
    return pieces


def other_pieces(event: Mapping[str, Any]) -> list[Text]:
    """Any other event (`internal_error`, ...): its time, name and fields."""
    level = str(event.get("level") or "info")
    pieces = [
        Text(clock(event.get("timestamp")), style="dim"),
        Text(
            printable(event.get("event") or "event"), style="bold red" if level == "error" else ""
        ),
    ]
    for name, value in event.items():
        if name not in ("timestamp", "event", "level") and (piece := _field(name, value)):
            pieces.append(piece)
    return pieces


def event_pieces(event: Mapping[str, Any], *, full: bool = True, ids: bool = True) -> list[Text]:
    if event.get("event") == "exchange":
        return exchange_pieces(event, full=full, ids=ids)
    return other_pieces(event)


def one_line(pieces: list[Text]) -> Text:
    """The pieces on one line, fields set apart by two spaces."""
    line = Text()
    for index, piece in enumerate(pieces):
        if index:
            line.append("  " if piece.style == "dim" and "=" in piece.plain else " ")
        line.append_text(piece)
    return line


def wrapped(pieces: list[Text], width: int, indent: int = INDENT) -> list[Text]:
    """The pieces laid out in `width` columns; lines after the first are indented.

    A piece moves whole to the next line; one wider than a line breaks at its spaces (a
    fingerprint's two halves), and only a word wider than a line is folded.
    """
    width = max(width, indent + 20)
    lines: list[Text] = []
    current = Text()
    for piece in _fitting(pieces, width - indent):
        size = piece.cell_len
        if current.cell_len and current.cell_len + 1 + size > width:
            lines.append(current)
            current = Text(" " * indent)
        room = width - current.cell_len - (1 if current.plain.strip() else 0)
        if current.plain.strip():
            current.append(" ")
        rest = piece
        while size > room:  # a path or a value longer than a whole line
            current.append_text(rest[:room])
            lines.append(current)
            rest, size = rest[room:], size - room
            current, room = Text(" " * indent), width - indent
        current.append_text(rest)
    lines.append(current)
    return lines


def _fitting(pieces: list[Text], room: int) -> list[Text]:
    """The pieces, each one wider than `room` split at its spaces."""
    out: list[Text] = []
    for piece in pieces:
        if piece.cell_len > room and " " in piece.plain:
            out += [part for part in piece.split(" ") if part.plain]
        else:
            out.append(piece)
    return out


def render_event(
    event: Mapping[str, Any], *, width: int | None, color: bool, full: bool, ids: bool
) -> str:
    """One event as terminal text (ANSI colours when `color`), ending with a newline.

    `width` None: one physical line (a pipe or a file).
    """
    pieces = event_pieces(event, full=full, ids=ids)
    lines = [one_line(pieces)] if width is None else wrapped(pieces, width)
    console = _console(color)
    with console.capture() as captured:
        for line in lines:
            console.print(line, soft_wrap=True)
    return captured.get()


@functools.cache
def _console(color: bool) -> Console:
    """One console per colour mode, made once: making one costs more than rendering a line."""
    return Console(
        file=io.StringIO(),
        force_terminal=color,
        color_system="standard" if color else None,
        width=10_000,
        highlight=False,
        markup=False,
        emoji=False,
    )


def render_json_line(data: bytes, *, width: int | None, color: bool, full: bool) -> bytes:
    """A JSON log line (as the log sink writes it) as the human view; other bytes as they are."""
    try:
        event = orjson.loads(data)
    except orjson.JSONDecodeError:
        return printable(data.decode("utf-8", "replace")).encode()
    if not isinstance(event, dict):
        return data
    return render_event(event, width=width, color=color, full=full, ids=full).encode()


class HumanView:
    """The `authlens_log_format` human view of stdout: each JSON line rendered for a person.

    Colours follow the terminal (and NO_COLOR); the width is read for every line, so a
    resized window is honoured; `full` shows whole hints and every id (mitmdump's `-v`).
    """

    def __init__(self, fd: int, *, color: bool, full: bool) -> None:
        self.fd, self.color, self.full = fd, color, full

    def width(self) -> int | None:
        try:
            return os.get_terminal_size(self.fd).columns
        except OSError:
            return None  # not a terminal after all (pretty forced into a file): one line

    def __call__(self, data: bytes) -> bytes:
        return render_json_line(data, width=self.width(), color=self.color, full=self.full)


def human_view(log_format: str, fd: int, *, full: bool = False) -> HumanView | None:
    """The view for `authlens_log_format` on `fd`; None means JSON lines.

    `auto` is human only on a terminal: piped or redirected, stdout stays JSON lines.
    """
    terminal = os.isatty(fd)
    if log_format == "json" or (log_format == "auto" and not terminal):
        return None
    return HumanView(fd, color=terminal and not os.environ.get("NO_COLOR"), full=full)


@dataclass(frozen=True, slots=True)
class Listener:
    """One listening address of the proxy and its mode (`regular`, `reverse:URL`, ...)."""

    host: str
    port: int
    mode: str


def banner(
    listeners: Sequence[Listener], *, ca_file: str, log_file: str | None, command: str, full: bool
) -> str:
    """What `authlens run` prints on a terminal once it listens: where, how to use it, logs."""
    lines = ["authlens: a diagnostic proxy for OpenAI API auth failures"]
    env_line: str | None = None
    for item in listeners:
        address = f"{item.host}:{item.port}"
        url = f"http://{address}"
        if item.mode.startswith("reverse:"):
            lines.append(f"  listening  {address}  reverse proxy to {item.mode[8:]}")
            lines.append(f"  next       in your app: OPENAI_BASE_URL={url}/v1")
        else:
            lines.append(f"  listening  {address}  {item.mode} proxy")
            proxy = "" if address == "127.0.0.1:8080" else f" --proxy {url}"
            env_line = env_line or f'eval "$({command} env{proxy})"'
    if env_line:
        lines.append(f"  CA         {ca_file}")
        lines.append(f"  next       in your app's terminal: {env_line}")
    if log_file:
        lines.append(
            f"  JSON log   {log_file} (one JSON line per exchange; stdout shows them below)"
        )
    else:
        lines.append("  JSON log   not kept: --set authlens_log_file=authlens.jsonl keeps one")
    more = "" if full else " (-v: whole hints and ids)"
    lines.append(f"One line per exchange below{more}. Ctrl-C stops.")
    return "".join(f"{printable(line)}\n" for line in lines)
