"""Following a log file across appends, partial lines, rotation and truncation."""

from __future__ import annotations

import os
from pathlib import Path

from authlens.tools.logfollow import LogFollower


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def test_existing_lines_then_appended_ones(tmp_path: Path) -> None:
    """poll() returns what is there, then only what was added since."""
    log = tmp_path / "a.jsonl"
    log.write_text("one\ntwo\n")
    with LogFollower(log) as follower:
        assert list(follower.poll()) == ["one", "two"]
        assert list(follower.poll()) == []
        append(log, "three\n")
        assert list(follower.poll()) == ["three"]


def test_partial_line_waits_for_its_end(tmp_path: Path) -> None:
    """A line without its newline yet is returned only once complete."""
    log = tmp_path / "a.jsonl"
    log.write_text('{"a":')
    with LogFollower(log) as follower:
        assert list(follower.poll()) == []
        append(log, "1}\r\n")
        assert list(follower.poll()) == ['{"a":1}']


def test_rotation_reads_the_old_file_to_its_end_then_the_new_one(tmp_path: Path) -> None:
    """After a rename + new file, lines written late to the old file are not lost."""
    log = tmp_path / "a.jsonl"
    log.write_text("one\n")
    with LogFollower(log) as follower:
        assert list(follower.poll()) == ["one"]
        os.rename(log, tmp_path / "a.jsonl.1")
        append(tmp_path / "a.jsonl.1", "late\n")
        assert list(follower.poll()) == ["late"]  # the new file does not exist yet
        log.write_text("new\n")
        assert list(follower.poll()) == ["new"]


def test_truncation_starts_again_from_the_top(tmp_path: Path) -> None:
    """copytruncate / `> file`: the file got shorter, so reading restarts at 0."""
    log = tmp_path / "a.jsonl"
    log.write_text("one\ntwo\n")
    with LogFollower(log) as follower:
        assert list(follower.poll()) == ["one", "two"]
        log.write_text("x\n")
        assert list(follower.poll()) == ["x"]


def test_rewrite_longer_than_what_was_read_is_seen(tmp_path: Path) -> None:
    """Truncated and refilled past our position between two polls: still read from the top."""
    log = tmp_path / "a.jsonl"
    log.write_text("short\n")
    with LogFollower(log) as follower:
        assert list(follower.poll()) == ["short"]
        log.write_text("a much longer first line\nsecond\n")
        assert list(follower.poll()) == ["a much longer first line", "second"]
