"""The log's writer thread: lines that could stall mitmproxy's event loop are written here.

The queue is bounded: while a destination stalls for long, lines beyond the bound are
dropped, counted, and reported once (and their number when the log closes); the proxy
never waits.
"""

from __future__ import annotations

import contextlib
import os
import queue
import select
import stat
import threading
import time
from typing import Protocol

_QUEUED_LINES = 50_000  # about 50 MB of lines waiting for a stalled destination, at most
# After writing, the writer lets lines gather this long: a thread switch per line cost 0.1 ms
# of CPU per exchange (benchmarks.md), one per 100 ms nothing measurable. A line after a
# quiet spell is written at once; under load, at most about 0.1 s after its hook.
_GATHER_SECONDS = 0.1
_BATCH_BYTES = 1 << 20
_PIPE_BUF = 4096  # a pipe that polls writable takes this much without blocking (POSIX)

Destination = tuple[int, str]
Item = tuple[bytes, tuple[Destination, ...] | None] | threading.Event | None


class Fanout(Protocol):
    def write_now(self, fd: int, name: str, data: bytes) -> None: ...
    def report_failure(self, fd: int, name: str, error: OSError | str) -> None: ...


class LineWriter:
    """Takes whole lines from a queue and writes them to each destination, in order.

    To a regular file, the lines gathered are written with one O_APPEND `os.write` (whole
    lines: appends never interleave within a write); to a pipe or socket, one write per line.
    A line meant for a shared descriptor that could not take it at once comes with its own
    destination; later lines for it follow through the queue until it has caught up.
    """

    def __init__(self, fanout: Fanout, destinations: tuple[Destination, ...]) -> None:
        self.fanout = fanout
        self.destinations = destinations
        self.regular = {fd for fd, _ in destinations if stat.S_ISREG(os.fstat(fd).st_mode)}
        self.lines: queue.SimpleQueue[Item] = queue.SimpleQueue()
        self.backlog: dict[int, int] = {}  # shared fd -> lines queued for it, not yet written
        self.lock = threading.Lock()
        self.dropped = 0
        self.thread = threading.Thread(target=self.run, name="authlens-log-writer", daemon=True)
        self.thread.start()

    def direct_ok(self, fd: int, size: int) -> bool:
        """Whether a shared `fd` takes `size` bytes now without blocking, in order."""
        if self.backlog.get(fd):
            return False
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                return True
            _, ready, _ = select.select([], [fd], [], 0)
        except (OSError, ValueError):
            return True  # a closed descriptor: the write reports it
        return bool(ready) and size <= _PIPE_BUF

    def put(self, line: bytes, to: tuple[Destination, ...] | None = None) -> None:
        if self.lines.qsize() >= _QUEUED_LINES:
            self.dropped += 1
            for fd, name in to or self.destinations:
                self.fanout.report_failure(fd, name, "writes stalled, queue full")
            return
        if to is not None:
            with self.lock:
                for fd, _ in to:
                    self.backlog[fd] = self.backlog.get(fd, 0) + 1
        self.lines.put((line, to))

    def run(self) -> None:
        while True:
            items = [self.lines.get()]  # after a quiet spell, a line is written at once
            while not self.lines.empty():
                items.append(self.lines.get_nowait())
            if not self.write_items(items):
                return
            time.sleep(_GATHER_SECONDS)  # under load, lines gather: one wake-up per batch

    def write_items(self, items: list[Item]) -> bool:
        """Write `items` in order; False once the stop marker is reached."""
        pending: list[bytes] = []
        size = 0
        for item in items:
            if isinstance(item, tuple):
                line, to = item
                if to is not None:
                    size = self.write_pending(pending)
                    self.write_shared(line, to)
                    continue
                pending.append(line)
                size += len(line)
                if size >= _BATCH_BYTES:
                    size = self.write_pending(pending)
                continue
            size = self.write_pending(pending)
            if item is None:
                return False
            item.set()  # every line queued before the marker is written
        self.write_pending(pending)
        return True

    def write_shared(self, line: bytes, to: tuple[Destination, ...]) -> None:
        for fd, name in to:
            self.fanout.write_now(fd, name, line)
            with self.lock:
                self.backlog[fd] -= 1

    def write_pending(self, pending: list[bytes]) -> int:
        """Write and clear `pending`; the size now pending (0)."""
        if not pending:
            return 0
        joined = b"".join(pending)
        for fd, name in self.destinations:
            if fd in self.regular:
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
        if self.dropped:
            message = f"authlens: {self.dropped} JSON log lines were dropped (writes stalled)\n"
            with contextlib.suppress(OSError):
                os.write(2, message.encode())
