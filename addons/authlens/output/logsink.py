"""The JSON log: a short structlog chain writing one line per event to stdout and/or a file.

structlog's own BytesLogger does the writing; the file it writes to fans each line out to
the configured destinations. A last processor scrubs every string once more before
rendering, so a secret that slipped into an event never reaches a line.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any

import orjson
import structlog

from authlens.output.redact import REDACTED, redact_text


def scrub_secrets(
    _logger: object, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Redact key-shaped strings in every string value; fails closed per value."""
    for name, value in event_dict.items():
        if isinstance(value, str):
            event_dict[name] = redact_text(value)
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
    """

    def __init__(self, destinations: Iterable[tuple[int, str]]) -> None:
        self.destinations = tuple(destinations)
        self.failed: set[int] = set()  # destinations already reported as failing

    @property
    def fds(self) -> tuple[int, ...]:
        return tuple(fd for fd, _ in self.destinations)

    def write(self, data: bytes) -> int:
        for fd, name in self.destinations:
            try:
                written = os.write(fd, data)
                if written < len(data):  # a full disk after part of the line: finish or fail
                    _write_all(fd, memoryview(data)[written:])
            except OSError as e:
                self.report_failure(fd, name, e)
        return len(data)

    def report_failure(self, fd: int, name: str, error: OSError) -> None:
        if fd in self.failed:
            return
        self.failed.add(fd)
        reason = error.strerror or type(error).__name__
        message = (
            f"authlens: cannot write the JSON log to {name}: {reason}. Forwarding goes on; "
            "lines are lost until the destination can be written again.\n"
        )
        with contextlib.suppress(OSError):
            os.write(2, message.encode("utf-8", "replace"))

    def flush(self) -> None:
        """Nothing is buffered: every write is a syscall."""


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


def make_logger(*, stdout: bool, log_file: Path | None) -> Any:
    """A logger whose `.info/.warning/.error(**event)` writes one JSON line per call."""
    destinations: list[tuple[int, str]] = []
    if stdout:
        destinations.append((sys.__stdout__.fileno() if sys.__stdout__ else 1, "stdout"))
    if log_file is not None:
        destinations.append((open_log_file(log_file), str(log_file)))
    return structlog.wrap_logger(
        structlog.BytesLogger(LineFanout(destinations)),  # type: ignore[arg-type]
        processors=[scrub_secrets, render_json],
        cache_logger_on_first_use=True,
    )
