"""`authlens tail` as a subprocess: formatting, filters, stdin, --json, rotation, truncation."""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from pathlib import Path

import orjson
import pytest

from tests.cli import AUTHLENS, authlens, clean_env
from tests.logdata import SESSION, line


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "authlens.jsonl"
    path.write_text("\n".join(SESSION) + "\n")
    return path


def test_every_line_without_following(log: Path, tmp_path: Path) -> None:
    """--no-follow prints every exchange, non-JSON lines as they were, and exits 0."""
    result = authlens("tail", str(log), "--no-follow", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith(
        "08:00:00 401 POST api.openai.com/v1/chat/completions 120ms quoted_key: "
    )
    assert lines[2] == "mitmproxy banner: not json"
    assert "\x1b[" not in result.stdout  # NO_COLOR and a pipe: plain text


@pytest.mark.parametrize(
    ("filters", "ids"),
    [
        (["--errors"], ["e1", "e3", "e4"]),
        (["--cause", "rate_limited,quoted_key"], ["e1", "e4"]),
        (["--status", "none", "--status", "2xx"], ["e2", "e3"]),
        (["--host", "*.azure.com"], ["e3"]),
        (["-n", "1"], ["e4"]),
    ],
)
def test_filters_with_json_passthrough(
    log: Path, tmp_path: Path, filters: list[str], ids: list[str]
) -> None:
    """--json passes the matching JSON lines through unchanged; non-JSON lines are dropped."""
    result = authlens("tail", str(log), "--no-follow", "--json", *filters, env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert [orjson.loads(x)["id"] for x in result.stdout.splitlines()] == ids
    assert set(result.stdout.splitlines()) <= set(SESSION)


def test_docker_compose_logs_on_stdin(tmp_path: Path) -> None:
    """`docker compose logs | authlens tail` strips the service prefix."""
    piped = "".join(f"authlens-1  | {text}\n" for text in SESSION)
    result = authlens("tail", "--errors", "--json", env=clean_env(tmp_path), stdin=piped)
    assert result.returncode == 0, result.stderr
    assert [orjson.loads(x)["id"] for x in result.stdout.splitlines()] == ["e1", "e3", "e4"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such.jsonl"], "no log file at /no/such.jsonl"),
        (["x.jsonl", "-n", "many"], "-n wants a number or 'all'"),
    ],
)
def test_clear_errors(tmp_path: Path, args: list[str], message: str) -> None:
    """A missing file or a bad option is one line on stderr and exit 2, no traceback."""
    result = authlens("tail", *args, env=clean_env(tmp_path))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_help_has_examples(tmp_path: Path) -> None:
    """--help shows examples, docker compose among them."""
    result = authlens("tail", "--help", env=clean_env(tmp_path))
    assert "examples:" in result.stdout
    assert "docker compose logs" in result.stdout


class Follower:
    """`authlens tail FILE --json` running, its stdout read line by line in a thread."""

    def __init__(self, path: Path, home: Path) -> None:
        self.process = subprocess.Popen(
            [AUTHLENS, "tail", str(path), "--json", "--interval", "0.05"],
            env=clean_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for text in self.process.stdout:
            self.lines.put(text.rstrip("\n"))

    def next_id(self) -> str:
        return str(orjson.loads(self.lines.get(timeout=15))["id"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def write(path: Path, *texts: str, mode: str = "a") -> None:
    with path.open(mode, encoding="utf-8") as handle:
        handle.write("".join(f"{t}\n" for t in texts))


def test_follows_across_rotation_and_truncation(tmp_path: Path) -> None:
    """Appends, a logrotate-style rename + new file, and a truncation are all followed."""
    path = tmp_path / "authlens.jsonl"
    write(path, line(id="old-1"), line(id="old-2"))
    follower = Follower(path, tmp_path)
    try:
        assert [follower.next_id(), follower.next_id()] == ["old-1", "old-2"]
        write(path, line(id="appended"))
        assert follower.next_id() == "appended"
        os.rename(path, tmp_path / "authlens.jsonl.1")
        write(tmp_path / "authlens.jsonl.1", line(id="late-in-old-file"))
        write(path, line(id="in-new-file"), mode="w")
        assert [follower.next_id(), follower.next_id()] == ["late-in-old-file", "in-new-file"]
        write(path, line(id="after-truncation"), mode="w")
        assert follower.next_id() == "after-truncation"
        assert follower.process.poll() is None
    finally:
        follower.stop()
