"""The README's walkthrough works as written from a clone: `source .venv/bin/activate` puts
`authlens` and `mitmdump` on PATH, the development commands run, and our messages name the
command the way the user started it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from authlens.tools.console import invoked_as
from tests.cli import REPO

README = (REPO / "README.md").read_text()
VENV = Path(sys.executable).parent.parent


def test_activate_puts_authlens_and_mitmdump_on_path(tmp_path: Path) -> None:
    """After `source .venv/bin/activate`, `authlens` and `mitmdump` are the venv's."""
    assert "source .venv/bin/activate" in README
    script = "source .venv/bin/activate && authlens --version && mitmdump --version"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    env.update({k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ})
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("authlens ")
    assert "Mitmproxy:" in result.stdout


def test_benchmark_command_as_written_starts(tmp_path: Path) -> None:
    """The README's benchmark line is a module run (a script path cannot import its package)."""
    (line,) = [text for text in README.splitlines() if "benchmarks" in text and "python" in text]
    command = line.split("#")[0].split()
    assert command[1:] == ["-m", "benchmarks.run"]
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("argv0", "on_path", "expected"),
    [
        ("authlens", True, "authlens"),
        (".venv/bin/authlens", False, "bin/authlens"),  # a clone: its launcher
        ("/opt/tools/authlens", False, "/opt/tools/authlens"),
        ("/x/authlens/cli.py", False, "python -m authlens.cli"),
    ],
)
def test_messages_name_the_command_as_invoked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv0: str, on_path: bool, expected: str
) -> None:
    """`invoked_as`: what authlens writes in the commands it suggests."""
    clone = tmp_path / "clone"
    (clone / ".venv" / "bin").mkdir(parents=True)
    (clone / "bin").mkdir()
    for script in (clone / ".venv" / "bin" / "authlens", clone / "bin" / "authlens"):
        script.write_text("#!/bin/sh\n")
        script.chmod(0o755)
    monkeypatch.chdir(clone)
    monkeypatch.delenv("AUTHLENS_PROG", raising=False)
    monkeypatch.setenv("PATH", str(clone / ".venv" / "bin") if on_path else "/nonexistent")
    path = str(clone / ".venv" / "bin" / "authlens") if argv0 == "authlens" else argv0
    assert invoked_as(path) == expected


def test_walkthrough_lines_use_one_spelling() -> None:
    """Shell blocks after the quick start spell the command `authlens` (activated) or
    `bin/authlens`, never `.venv/bin/authlens`."""
    assert not re.search(r"\.venv/bin/authlens", README)
