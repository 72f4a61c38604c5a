"""The JSON log: a short structlog chain writing one line per event to stdout and/or a file.

structlog's own BytesLogger does the writing; the file it writes to fans each line out to
the configured destinations. A last processor scrubs every string before rendering, so a
secret that slipped into an event never reaches a line; it is also where the exchange's own
credentials are redacted (passed under `SECRETS_FIELD`), so each value is redacted once.

Inside the running proxy (`LineFanout.start_writer`), the log file is written by a thread:
a slow or stalled disk must not stall mitmproxy's event loop. (stdout stays in the hook:
mitmdump writes its own output there too, in several writes per line.) Each line still
reaches the file within about 0.1 s.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import re
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import structlog

from authlens.output.redact import REDACTED, SHORTEST_SECRET, redact_text

# Event key under which the emitter hands the exchange's credentials to `scrub_secrets`;
# popped there, never rendered.
SECRETS_FIELD = "_authlens_secrets"


# Fields whose format authlens generates or a standard fixes, and the exact format: a value
# that matches passes the key-shape patterns unredacted (a W3C trace id is 32 hex digits,
# the shape of an Azure key). Any other value of these fields, a 32-hex value in any other
# field, and an exchange's own credential in any field are redacted as before.
KNOWN_FORMAT_FIELDS: dict[str, re.Pattern[str]] = {
    "trace_id": re.compile(r"(?!0{32})[0-9a-f]{32}"),  # W3C Trace Context trace-id
    "span_id": re.compile(r"(?!0{16})[0-9a-f]{16}"),  # W3C Trace Context parent-id
    "id": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
    # A client's own id: a UUID (any version, either case); 32 bare hex digits stay redacted.
    "client_request_id": re.compile(r"(?i)[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}"),
    # The upstream's: OpenAI `req_` + 32 hex, Azure's UUID, an intermediary's 32 hex (nginx).
    "upstream_request_id": re.compile(
        r"req_[0-9a-f]{32}|(?i:[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12})|[0-9a-f]{32}"
    ),
}


def known_format(name: str, value: str) -> bool:
    """Whether `value` is field `name`'s own format (so it holds no secret of ours)."""
    pattern = KNOWN_FORMAT_FIELDS.get(name)
    return pattern is not None and pattern.fullmatch(value) is not None


@functools.lru_cache(maxsize=1024)
def _scrubbed(value: str) -> str:
    """Pattern-only redaction of a value; hints, hosts, paths and models repeat across lines."""
    return redact_text(value)


def scrub_secrets(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Redact the exchange's secrets and key-shaped strings in every string value.

    Fails closed per value: anything that is not a string, number, bool or None is replaced.
    """
    secrets: tuple[str, ...] = event_dict.pop(SECRETS_FIELD, None) or ()
    for name, value in event_dict.items():
        if isinstance(value, str):
            if len(value) < SHORTEST_SECRET:
                continue  # neither a secret nor any key shape fits (redact_text returns it)
            if secrets and any(secret in value for secret in secrets):
                event_dict[name] = redact_text(value, secrets)
            elif known_format(name, value):
                # A piece of a credential (a key pasted into traceparent) is not an id.
                if any(value in secret for secret in secrets):
                    event_dict[name] = REDACTED
            else:
                event_dict[name] = _scrubbed(value)
        elif value is not None and not isinstance(value, (bool, int, float)):
            event_dict[name] = redact_text(str(value)) if isinstance(value, Path) else REDACTED
    return event_dict


def render_json(_logger: object, _method: str, event_dict: MutableMapping[str, Any]) -> bytes:
    return orjson.dumps(event_dict)


class LineFanout:
    """A binary file-like object that appends each write to several file descriptors.

    Each line is written with one `os.write` on an O_APPEND descriptor, so concurrent
    writers (or processes) never interleave within a line. A destination that fails (disk
    full, a closed pipe) is reported once on stderr and skipped for that line: the proxy
    keeps forwarding, and writing resumes by itself once the destination works again.

    Lines are written in the caller's thread until `start_writer`; from then on, regular
    files, pipes and sockets are written by a writer thread fed by a queue. Two kinds stay
    direct: character devices (a terminal, /dev/null), and `shared` descriptors that others
    in the process write to as well: mitmdump prints its own flow lines to stdout in
    several writes, and a line written from another thread could land between them.
    Shared destinations come first, so a line in the log file is already on stdout.
    """

    def __init__(self, destinations: Iterable[tuple[int, str]], shared: Iterable[int] = ()) -> None:
        self.destinations = tuple(destinations)
        self.shared = frozenset(shared)
        self.direct = self.destinations  # written in the caller's thread
        self.failed: set[int] = set()  # destinations already reported as failing
        self.writer: LineWriter | None = None

    @property
    def fds(self) -> tuple[int, ...]:
        return tuple(fd for fd, _ in self.destinations)

    def write(self, data: bytes) -> int:
        for fd, name in self.direct:
            self.write_now(fd, name, data)
        if self.writer is not None:
            self.writer.put(data)
        return len(data)

    def write_now(self, fd: int, name: str, data: bytes) -> None:
        """Write whole lines to `fd`, or report (once) why they could not be written."""
        try:
            written = os.write(fd, data)
            if written < len(data):  # a full disk after part of the line: finish or fail
                _write_all(fd, memoryview(data)[written:])
        except OSError as e:
            self.report_failure(fd, name, e)

    def report_failure(self, fd: int, name: str, error: OSError | str) -> None:
        if fd in self.failed:
            return
        self.failed.add(fd)
        reason = error if isinstance(error, str) else error.strerror or type(error).__name__
        message = (
            f"authlens: cannot write the JSON log to {name}: {reason}. Forwarding goes on; "
            "lines are lost until the destination can be written again.\n"
        )
        with contextlib.suppress(OSError):
            os.write(2, message.encode("utf-8", "replace"))

    def start_writer(self) -> None:
        """Write files, pipes and sockets from a thread from now on (idempotent)."""
        queued = tuple(d for d in self.destinations if d[0] not in self.shared and _may_block(d[0]))
        if self.writer is not None or not queued:
            return
        self.writer = LineWriter(self, queued)
        self.direct = tuple(d for d in self.destinations if d not in queued)

    def flush(self) -> None:
        """Nothing to do: structlog calls this after every line, which must not wait."""

    def drain(self, timeout: float = 5.0) -> None:
        """Wait (at most `timeout` seconds) until the queued lines are written."""
        if self.writer is not None:
            self.writer.drain(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop the writer thread; later lines are written directly."""
        writer, self.writer = self.writer, None
        self.direct = self.destinations
        if writer is not None:
            writer.stop(timeout)


def _may_block(fd: int) -> bool:
    """Whether writes to `fd` can stall for long: a disk (NFS, full page cache) or a pipe."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


_QUEUED_LINES = 50_000  # about 50 MB of lines waiting for a stalled destination, at most
# After writing, the writer lets lines gather this long: a thread switch per line cost 0.1 ms
# of CPU per exchange (benchmarks.md), one per 100 ms nothing measurable. A line after a
# quiet spell is written at once; under load, at most about 0.1 s after its hook.
_GATHER_SECONDS = 0.1
_BATCH_BYTES = 1 << 20


class LineWriter:
    """The writer thread: takes whole lines from a queue and writes them to each destination.

    To a regular file, the lines gathered are written with one O_APPEND `os.write` (still
    whole lines: appends never interleave within a write); to a pipe or socket, one write per
    line, as before. The queue is bounded: while a destination stalls for long, lines beyond
    the bound are dropped and reported once, as a failing write is; the proxy never waits.
    A stalled destination delays the others' lines, never the proxy.
    """

    def __init__(self, fanout: LineFanout, destinations: tuple[tuple[int, str], ...]) -> None:
        self.fanout = fanout
        self.destinations = tuple(
            (fd, name, stat.S_ISREG(os.fstat(fd).st_mode)) for fd, name in destinations
        )
        self.lines: queue.SimpleQueue[bytes | threading.Event | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self.run, name="authlens-log-writer", daemon=True)
        self.thread.start()

    def put(self, line: bytes) -> None:
        if self.lines.qsize() >= _QUEUED_LINES:
            for fd, name, _ in self.destinations:
                self.fanout.report_failure(fd, name, "writes stalled, queue full")
            return
        self.lines.put(line)

    def run(self) -> None:
        while True:
            items = [self.lines.get()]  # after a quiet spell, a line is written at once
            while not self.lines.empty():
                items.append(self.lines.get_nowait())
            if not self.write_items(items):
                return
            time.sleep(_GATHER_SECONDS)  # under load, lines gather: one wake-up per batch

    def write_items(self, items: list[bytes | threading.Event | None]) -> bool:
        """Write `items` in order; False once the stop marker is reached."""
        pending: list[bytes] = []
        size = 0
        for item in items:
            if isinstance(item, bytes):
                pending.append(item)
                size += len(item)
                if size >= _BATCH_BYTES:
                    size = self.write_pending(pending)
                continue
            size = self.write_pending(pending)
            if item is None:
                return False
            item.set()  # every line queued before the marker is written
        self.write_pending(pending)
        return True

    def write_pending(self, pending: list[bytes]) -> int:
        """Write and clear `pending`; the size now pending (0)."""
        if not pending:
            return 0
        joined = b"".join(pending)
        for fd, name, regular in self.destinations:
            if regular:
                self.fanout.write_now(fd, name, joined)
            else:
                for line in pending:
                    self.fanout.write_now(fd, name, line)
        pending.clear()
        return 0

    def drain(self, timeout: float) -> None:
        done = threading.Event()
        self.lines.put(done)
        done.wait(timeout)

    def stop(self, timeout: float) -> None:
        self.lines.put(None)
        self.thread.join(timeout)


def _write_all(fd: int, rest: memoryview) -> None:
    while rest:
        written = os.write(fd, rest)
        if written == 0:
            raise OSError(28, "No space left on device")
        rest = rest[written:]


def open_log_file(path: Path) -> int:
    """An append-only descriptor for `path`; raises OSError with the path when unwritable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)


@dataclass(frozen=True, slots=True)
class JsonLog:
    """A logger (`.info/.warning/.error(**event)`, one JSON line per call) and its fanout."""

    logger: Any
    fanout: LineFanout


class HumanStdout:
    """Stdout in the human view (`authlens_log_format`): each line rendered, then the JSON
    line handed on to the fanout (the log file stays JSON lines)."""

    def __init__(self, fd: int, render: Callable[[bytes], bytes], fanout: LineFanout) -> None:
        self.fd, self.render, self.fanout = fd, render, fanout

    def write(self, data: bytes) -> int:
        try:
            shown = self.render(data)
        except Exception:  # the view failing must not lose the line: show the JSON
            shown = data
        self.fanout.write_now(self.fd, "stdout", shown)
        return self.fanout.write(data)

    def flush(self) -> None:
        """Nothing to do: each line is written whole."""


def open_log(
    *, stdout: bool, log_file: Path | None, human: Callable[[bytes], bytes] | None = None
) -> JsonLog:
    """The JSON log to stdout and/or `log_file`; raises OSError when the file is unwritable.

    `human` renders each line for stdout instead of the JSON (a terminal).
    """
    destinations: list[tuple[int, str]] = []
    stdout_fd = sys.__stdout__.fileno() if sys.__stdout__ else 1
    if stdout and human is None:
        destinations.append((stdout_fd, "stdout"))
    if log_file is not None:
        destinations.append((open_log_file(log_file), str(log_file)))
    fanout = LineFanout(destinations, shared=(stdout_fd,))
    sink: Any = HumanStdout(stdout_fd, human, fanout) if stdout and human else fanout
    logger = structlog.wrap_logger(
        structlog.BytesLogger(sink),
        processors=[scrub_secrets, render_json],
        cache_logger_on_first_use=True,
    )
    return JsonLog(logger, fanout)


def make_logger(*, stdout: bool, log_file: Path | None) -> Any:
    """A logger whose `.info/.warning/.error(**event)` writes one JSON line per call."""
    return open_log(stdout=stdout, log_file=log_file).logger
