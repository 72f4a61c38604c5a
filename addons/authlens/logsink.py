"""The JSON log: a short structlog chain writing one line per event to stdout and/or a file.

structlog's own BytesLogger does the writing; the file it writes to fans each line out to
the configured destinations. A last processor scrubs every string once more before
rendering, so a secret that slipped into an event never reaches a line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, MutableMapping
from pathlib import Path
from typing import Any

import orjson
import structlog

from authlens.redact import REDACTED, redact_text


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
    writers (or processes) never interleave within a line.
    """

    def __init__(self, fds: Iterable[int]) -> None:
        self.fds = tuple(fds)

    def write(self, data: bytes) -> int:
        for fd in self.fds:
            os.write(fd, data)
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered: every write is a syscall."""


def open_log_file(path: Path) -> int:
    """An append-only descriptor for `path`; raises OSError with the path when unwritable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)


def make_logger(*, stdout: bool, log_file: Path | None) -> Any:
    """A logger whose `.info/.warning/.error(**event)` writes one JSON line per call."""
    fds: list[int] = []
    if stdout:
        fds.append(sys.__stdout__.fileno() if sys.__stdout__ else 1)
    if log_file is not None:
        fds.append(open_log_file(log_file))
    return structlog.wrap_logger(
        structlog.BytesLogger(LineFanout(fds)),  # type: ignore[arg-type]
        processors=[scrub_secrets, render_json],
        cache_logger_on_first_use=True,
    )
