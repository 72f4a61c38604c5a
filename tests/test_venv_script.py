"""bin/_venv.sh: which Python it picks, and its lock around the virtualenv setup.

The script's functions run in real bash against fake interpreters and a stubbed install, so
these tests need neither pyenv nor the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import wait_for

SCRIPT = Path(__file__).resolve().parent.parent / "bin" / "_venv.sh"
BASH = shutil.which("bash") or "/bin/bash"


def bash(code: str, env: dict[str, str], **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [BASH, "-c", f'source "{SCRIPT}"\n{code}'],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def fake_pyenv(root: Path, versions: list[str]) -> None:
    """pyenv-like folders whose `python3` prints its version the way _venv.sh asks for it."""
    for version in versions:
        folder = root / "versions" / version / "bin"
        folder.mkdir(parents=True)
        numbers = " ".join(version.split()[0].split(".")[:3])
        (folder / "python3").write_text(f"#!/bin/sh\necho {numbers}\n")
        (folder / "python3").chmod(0o755)


@pytest.fixture
def only_pyenv(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has no Python: only the fake pyenv versions are found."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("dirname", "cat", "cut", "mkdir", "rm", "sleep", "cksum", "tr"):
        found = shutil.which(tool)
        assert found, tool
        (tools / tool).symlink_to(found)
    fake_pyenv(tmp_path / "pyenv", ["3.11.7", "3.12.9", "3.12.10", "3.13.0", "3.12.2 with space"])
    return {"PATH": str(tools), "PYENV_ROOT": str(tmp_path / "pyenv"), "HOME": str(tmp_path)}


@pytest.mark.parametrize(
    ("wanted", "picked"),
    [("", "3.13.0"), ("3.12", "3.12.10"), ("3.12.9", "3.12.9"), ("3.12.2", "3.12.2 with space")],
)
def test_newest_matching_python_compared_as_numbers(
    only_pyenv: dict[str, str], tmp_path: Path, wanted: str, picked: str
) -> None:
    """3.12.10 is newer than 3.12.9; a folder name with a space stays whole; 3.11 never counts."""
    found = bash(f'find_python "{wanted}"', only_pyenv).communicate(timeout=30)[0]
    assert found.strip() == str(tmp_path / "pyenv" / "versions" / picked / "bin" / "python3")


def test_no_python_at_or_above_the_floor_fails(only_pyenv: dict[str, str]) -> None:
    """Asking for 3.11 (below the floor) finds nothing, and says so."""
    process = bash('find_python "3.11" || echo none', only_pyenv)
    assert process.communicate(timeout=30)[0].strip() == "none"


def stubbed_setup(tmp_path: Path, name: str) -> str:
    """ensure_venv on a venv that already runs, with an install that records itself."""
    return f"""
        root="{tmp_path}"; lock_file="{tmp_path}/lock.txt"
        install_venv() {{
            echo "{name} installs" >> "{tmp_path}/events"
            while [ ! -e "{tmp_path}/go" ]; do sleep 0.05; done
            wanted_stamp > "$venv/.authlens-installed"
        }}
        ensure_venv
        echo "{name} done" >> "{tmp_path}/events"
    """


@pytest.fixture
def project(tmp_path: Path) -> dict[str, str]:
    """A project folder with a lock file and a .venv whose python is this interpreter."""
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "dev.txt").write_text("pinned==1.0\n")
    (tmp_path / "lock.txt").write_text("pinned==1.0\n")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    return {k: v for k, v in os.environ.items() if k != "AUTHLENS_PYTHON"}


def test_two_setups_started_together_install_once(tmp_path: Path, project: dict[str, str]) -> None:
    """The second waits for the first (it says so), then finds the venv current: one install."""
    first = bash(stubbed_setup(tmp_path, "first"), project)
    events = tmp_path / "events"
    wait_for(lambda: events.exists() or None, 30, "the first setup never started installing")
    second = bash(stubbed_setup(tmp_path, "second"), project)
    assert "waiting for another setup of .venv" in second.stderr.readline()  # type: ignore[union-attr]
    (tmp_path / "go").touch()
    assert first.wait(30) == 0
    assert second.wait(30) == 0
    assert events.read_text().splitlines() == ["first installs", "first done", "second done"]
    assert not (tmp_path / ".venv.setup-lock").exists()


def test_a_lock_left_by_a_killed_setup_is_taken_over(
    tmp_path: Path, project: dict[str, str]
) -> None:
    """A lock whose holder no longer runs (SIGKILL, power cut) does not block forever."""
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / ".venv.setup-lock").mkdir()
    (tmp_path / ".venv.setup-lock" / "pid").write_text(f"{dead.pid}\n")
    (tmp_path / "go").touch()
    setup = bash(stubbed_setup(tmp_path, "only"), project)
    assert setup.wait(30) == 0, setup.stderr.read()  # type: ignore[union-attr]
    assert (tmp_path / "events").read_text().splitlines() == ["only installs", "only done"]
