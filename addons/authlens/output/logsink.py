"""The JSON log: a short structlog chain writing one line per event to stdout and/or a file.

structlog's own BytesLogger does the writing; the file it writes to fans each line out to
the configured destinations. A last processor scrubs every string before rendering, so a
secret that slipped into an event never reaches a line; it is also where the exchange's own
credentials are redacted (passed under `SECRETS_FIELD`), so each value is redacted once.

Inside the running proxy (`LineFanout.start_writer`), what may stall is written by a thread
(`logwriter`): a slow disk or a stdout nobody reads must not stall mitmproxy's event loop.
Each line still reaches the file within about 0.1 s.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import structlog

from authlens.output.logwriter import LineWriter
from authlens.secrets.redactor import REDACTED, SHORTEST_SECRET, Redactor
from authlens.secrets.text import json_safe

# Event key under which the emitter hands the exchange's credentials to `scrub_secrets`;
# popped there, never rendered.
SECRETS_FIELD = "_authlens_secrets"
# Event key under which the emitter names the fields its redactor (the one under
# `SECRETS_FIELD`) already redacted, e.g. a hint: they are not redacted a second time.
REDACTED_FIELD = "_authlens_redacted"


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


def _shown(name: str, value: str, redactor: Redactor) -> str:
    """A string field as the line may show it."""
    if len(value) < SHORTEST_SECRET:
        return value
    if known_format(name, value):
        # Our ids and W3C trace ids pass; a credential (or a piece of one) pasted there does not.
        if any(secret in value or value in secret for secret in redactor.secrets):
            return REDACTED
        return value
    return redactor.text(value)


def scrub_secrets(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Redact the exchange's secrets and key-shaped strings in every string value.

    The exchange's `Redactor` (or a tuple of secrets) comes under `SECRETS_FIELD`, and the
    names of the fields it already redacted under `REDACTED_FIELD` (only with a Redactor). Every
    string is made valid Unicode (a non-UTF-8 byte from a header shows as `\\xa0`), so
    rendering never fails. Fails closed per value: anything that is not a string, number,
    bool or None is replaced.
    """
    given = event_dict.pop(SECRETS_FIELD, None)
    redactor = given if isinstance(given, Redactor) else Redactor(given or ())
    done = frozenset(event_dict.pop(REDACTED_FIELD, ())) if given is redactor else frozenset()
    # Most lines hold nothing to redact: one look at all the plain strings together, and
    # field-by-field redaction only when that look finds something.
    plain = [
        v
        for k, v in event_dict.items()
        if isinstance(v, str)
        and len(v) >= SHORTEST_SECRET
        and k not in KNOWN_FORMAT_FIELDS
        and k not in done
    ]
    clean = not redactor.touches("\n".join(plain))
    for name, value in event_dict.items():
        if isinstance(value, str):
            if name in done or (clean and name not in KNOWN_FORMAT_FIELDS):
                event_dict[name] = json_safe(value)
            else:
                event_dict[name] = json_safe(_shown(name, value, redactor))
        elif value is not None and not isinstance(value, (bool, int, float)):
            shown = redactor.text(json_safe(str(value))) if isinstance(value, Path) else REDACTED
            event_dict[name] = shown
    return event_dict


def _dumps(event_dict: Any, **_kw: Any) -> bytes:
    """orjson, never raising: a value it refuses (an int past 64 bits, an odd key) is
    replaced, not the line lost."""
    try:
        return orjson.dumps(event_dict)
    except TypeError:
        safe = {
            str(k): v if isinstance(v, (str, int, float, bool)) or v is None else REDACTED
            for k, v in event_dict.items()
        }
        try:
            return orjson.dumps(safe)
        except TypeError:
            return orjson.dumps({k: json_safe(str(v)) for k, v in safe.items()})


# One JSON line per event: structlog's renderer with orjson (bytes, for BytesLogger).
render_json = structlog.processors.JSONRenderer(serializer=_dumps)


class LineFanout:
    """A binary file-like object that appends each write to several file descriptors.

    Each line is written with one `os.write` on an O_APPEND descriptor, so concurrent
    writers (or processes) never interleave within a line. A destination that fails (disk
    full, a closed pipe) is reported once on stderr and skipped for that line: the proxy
    keeps forwarding, and writing resumes by itself once the destination works again.

    Lines are written in the caller's thread until `start_writer`; from then on, regular
    files, pipes, sockets and terminals are written by a writer thread fed by a bounded
    queue. `shared` descriptors (stdout, where mitmdump prints its own lines in several
    writes) stay in the caller's thread while they can take a line without blocking; a
    reader that stopped reading (a pager, a blocking log driver) sends their lines to the
    writer thread too, so it never stalls forwarding. Lines beyond the queue's bound are
    dropped, counted and reported.
    """

    def __init__(self, destinations: Iterable[tuple[int, str]], shared: Iterable[int] = ()) -> None:
        self.destinations = tuple(destinations)
        self.shared = frozenset(shared)
        self.direct = self.destinations  # written in the caller's thread
        self.failed: set[int] = set()  # destinations already reported as failing
        self.writer: LineWriter | None = None
        # A second thread for shared descriptors that could not take a line at once: a
        # stdout nobody reads must not hold back the log file's lines.
        self.spill: LineWriter | None = None
        self.owned: tuple[int, ...] = ()  # descriptors `close` closes (the log file's)

    def write(self, data: bytes) -> int:
        spill = self.spill
        for fd, name in self.direct:
            if spill is not None and not spill.direct_ok(fd, len(data)):
                spill.put(data, ((fd, name),))  # a stalled reader waits for the thread
            else:
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
        """Write from a thread from now on what could stall the caller (idempotent)."""
        if self.writer is not None or self.spill is not None:
            return
        queued = tuple(d for d in self.destinations if d[0] not in self.shared and _may_block(d[0]))
        if queued:
            self.writer = LineWriter(self, queued)
            self.direct = tuple(d for d in self.destinations if d not in queued)
        if any(fd in self.shared and _may_block(fd) for fd, _ in self.destinations):
            self.spill = LineWriter(self, ())

    def flush(self) -> None:
        """Nothing to do: structlog calls this after every line, which must not wait."""

    def drain(self, timeout: float = 5.0) -> None:
        """Wait (at most `timeout` seconds) until the queued lines are written."""
        for writer in (self.spill, self.writer):
            if writer is not None:
                writer.drain(timeout)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop the writer thread; later lines are written directly."""
        writers = (self.spill, self.writer)
        self.writer = self.spill = None
        self.direct = self.destinations
        for writer in writers:
            if writer is not None:
                writer.stop(timeout)

    def release(self, timeout: float = 5.0) -> None:
        """`close`, and close the log file too: this fanout is replaced (reconfigured, SIGHUP)."""
        self.close(timeout)
        owned, self.owned = self.owned, ()
        self.destinations = self.direct = tuple(d for d in self.destinations if d[0] not in owned)
        for fd in owned:
            with contextlib.suppress(OSError):
                os.close(fd)


def _may_block(fd: int) -> bool:
    """Whether writes to `fd` can stall: a disk (NFS), a pipe, a socket or a terminal."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(fd)


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
    """A logger (`.msg(**event)`, one JSON line per call; the level is a field) and its fanout."""

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
    owned: tuple[int, ...] = ()
    if log_file is not None:
        owned = (open_log_file(log_file),)
        destinations.append((owned[0], str(log_file)))
    fanout = LineFanout(destinations, shared=(stdout_fd,))
    fanout.owned = owned
    sink: Any = HumanStdout(stdout_fd, human, fanout) if stdout and human else fanout
    logger = structlog.wrap_logger(
        structlog.BytesLogger(sink),
        processors=[scrub_secrets, render_json],
        cache_logger_on_first_use=True,
    )
    return JsonLog(logger, fanout)


def make_logger(*, stdout: bool, log_file: Path | None) -> Any:
    """A logger whose `.msg(**event)` writes one JSON line per call."""
    return open_log(stdout=stdout, log_file=log_file).logger
