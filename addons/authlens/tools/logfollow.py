"""Follow a growing log file like `tail -F`: across rotation and truncation.

Rotation (the file renamed or deleted and a new one created at the same path) is seen as a
new inode: the old file is read to its end, then the new one from its start. Truncation
(`copytruncate`, `> file`) is seen as a file shorter than what was already read, or whose last
bytes read have changed (it was truncated and refilled between two polls): reading starts
again from the top. Only complete lines are returned; a partial last line waits.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

_CHECKED_BYTES = 64


class LogFollower:
    """Yields complete lines of `path` as they are written; `poll()` again for more."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: BinaryIO = path.open("rb")
        self._identity = self._id_of(os.fstat(self._file.fileno()))
        self._partial = b""
        self._last = b""  # the last bytes read, to notice a rewrite that outgrew our position

    @staticmethod
    def _id_of(stat: os.stat_result) -> tuple[int, int]:
        return (stat.st_dev, stat.st_ino)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> LogFollower:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def poll(self) -> Iterator[str]:
        """Every complete line available now, switching files after a rotation."""
        if self._truncated():
            self._file.seek(0)
            self._partial = self._last = b""
        yield from self._read_lines()
        while (replacement := self._replacement()) is not None:
            yield from self._read_lines()  # what was written to the old file before the switch
            self._file.close()
            self._file, self._identity = replacement
            self._partial = self._last = b""
            yield from self._read_lines()

    def _read_lines(self) -> Iterator[str]:
        for raw in self._file:
            self._last = (self._last + raw)[-_CHECKED_BYTES:]
            if not raw.endswith(b"\n"):
                self._partial += raw
                return
            yield (self._partial + raw).decode("utf-8", "replace").rstrip("\r\n")
            self._partial = b""

    def _truncated(self) -> bool:
        # tell() counts everything read, the partial line included; an append never changes
        # bytes before it, so different bytes there mean the file was rewritten.
        position, fd = self._file.tell(), self._file.fileno()
        if os.fstat(fd).st_size < position:
            return True
        return (
            bool(self._last)
            and os.pread(fd, len(self._last), position - len(self._last)) != self._last
        )

    def _replacement(self) -> tuple[BinaryIO, tuple[int, int]] | None:
        """The new file at `path` after a rotation, opened; None while it is the same one."""
        try:
            identity = self._id_of(os.stat(self.path))
        except FileNotFoundError:
            return None  # between the rename and the creation of the new file
        if identity == self._identity:
            return None
        try:
            new = self.path.open("rb")
        except FileNotFoundError:
            return None
        return new, self._id_of(os.fstat(new.fileno()))
