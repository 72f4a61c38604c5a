"""Look at it: the terminal views, run in a real terminal (tmux) at 80 and 120 columns, compared
with the screens checked in under tests/screens/ (ids, times and ports normalised).

A change to a view shows up as a diff of what a person sees. To accept new screens:
`UPDATE_SCREENS=1 pytest tests/test_screens.py` and review `git diff tests/screens/`.
The 100-column screens of run, tail, explain and report are kept for the release notes.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from authlens.fake_openai import FakeOpenAI
from tests.cli import AUTHLENS, REPO
from tests.screens_data import KEY, OTHER, write_har, write_log

SCREENS = Path(__file__).resolve().parent / "screens"
WIDTHS = (80, 100, 120)
DONE = "__screen_done__"

if shutil.which("tmux") is None and os.environ.get("CI"):
    pytest.fail("tmux is missing: run .ci/needs/tmux.sh", pytrace=False)
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux not installed")

# Each replacement keeps the length, so the captured tables keep their alignment.
_NORMALISE = (
    (
        re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
        lambda m: re.sub(r"[0-9a-f]", "x", m.group()),
    ),
    (re.compile(r"req_[0-9a-f]{32}"), lambda m: "req_" + "x" * 32),
    (re.compile(r"\b\d\d:\d\d:\d\d\b"), lambda m: "HH:MM:SS"),
    (re.compile(r"\b\d{1,4}ms\b"), lambda m: "N" * (len(m.group()) - 2) + "ms"),
    (re.compile(r"(?<=127\.0\.0\.1:)\d{4,5}"), lambda m: "P" * len(m.group())),
)


def normalise(screen: str, tmp: Path) -> str:
    screen = screen.replace(str(REPO), "<repo>").replace(str(tmp), "<tmp>")
    for pattern, replacement in _NORMALISE:
        screen = pattern.sub(replacement, screen)
    return screen


class Terminal:
    """A tmux server of our own with one pane of `width` columns running a command."""

    def __init__(self, width: int, height: int, workdir: Path) -> None:
        self.socket = f"authlens-{uuid.uuid4().hex[:8]}"
        self.width, self.height, self.workdir = width, height, workdir

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout

    def start(self, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        script = (
            f"cd {shlex.quote(str(self.workdir))} && env -i {exports} {command}; "
            f"echo {DONE}; sleep 600"
        )
        self.tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            "bash",
            "--norc",
            "-c",
            script,
        )

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "0")

    def wait_for(self, ready: Callable[[str], bool], timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if ready(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"the screen never got ready:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"], check=False, timeout=30, capture_output=True
        )


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Callable[[int], Terminal]]:
    opened: list[Terminal] = []

    def open_terminal(width: int, height: int = 60) -> Terminal:
        opened.append(Terminal(width, height, tmp_path))
        return opened[-1]

    yield open_terminal
    for term in opened:
        term.close()


def terminal_env(tmp_path: Path) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def unwrapped(text: str) -> str:
    """Each exchange on one line, durations as N: what stays when timings move the wraps."""
    joined = re.sub(r"\n {9}(?=\S)", " ", text)
    return re.sub(r"N+ms\b", "Nms", joined)


def compare(name: str, width: int, screen: str, tmp: Path, *, timed: bool = False) -> None:
    """The screen against tests/screens/<name>-<width>.txt (written when UPDATE_SCREENS=1).

    `timed`: durations vary from run to run and move where lines wrap, so the screens are
    compared with each exchange unwrapped (the checked-in file is still a real screen).
    """
    lines = [line.rstrip() for line in normalise(screen, tmp).splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    text = "\n".join(line for line in lines if line != DONE) + "\n"
    assert all(len(line) <= width for line in lines), "a line is wider than the terminal"
    golden = SCREENS / f"{name}-{width}.txt"
    if os.environ.get("UPDATE_SCREENS"):
        SCREENS.mkdir(exist_ok=True)
        golden.write_text(text)
    assert golden.exists(), f"no golden screen {golden.name}: run with UPDATE_SCREENS=1"
    expected = golden.read_text()
    if timed:
        text, expected = unwrapped(text), unwrapped(expected)
        assert all(re.match(r"( {9}\S| {2}\S|\S)", line) for line in lines if line), "bad indent"
    assert text == expected, f"{golden.name} changed:\n{text}"


def command_screen(
    open_terminal: Callable[[int], Terminal], width: int, tmp: Path, command: str
) -> str:
    term = open_terminal(width)
    term.start(command, terminal_env(tmp))
    return term.wait_for(lambda screen: DONE in screen)


@pytest.mark.parametrize("width", WIDTHS)
def test_tail_screen(terminal: Callable[[int], Terminal], tmp_path: Path, width: int) -> None:
    """tail: one block per exchange, continuations indented, fingerprints and ids whole."""
    log = write_log(tmp_path / "authlens.jsonl")
    screen = command_screen(terminal, width, tmp_path, f"{AUTHLENS} tail {log} --no-follow")
    compare("tail", width, screen, tmp_path)
    assert "\u2019" in screen  # a typographic quote as it is, not \u2019


@pytest.mark.parametrize("width", WIDTHS)
def test_report_screen(terminal: Callable[[int], Terminal], tmp_path: Path, width: int) -> None:
    """report: tables that fit, no fingerprint or timestamp cut."""
    log = write_log(tmp_path / "authlens.jsonl")
    screen = command_screen(terminal, width, tmp_path, f"{AUTHLENS} report {log}")
    compare("report", width, screen, tmp_path)
    flat = re.sub(r"\s+", " ", screen)
    assert "sha256:" in screen and "…" not in screen
    assert "2026-11-27T10:48:21.512Z" in flat


@pytest.mark.parametrize("width", WIDTHS)
def test_explain_screen(terminal: Callable[[int], Terminal], tmp_path: Path, width: int) -> None:
    """explain: the table fits the width; hints wrap inside their column."""
    har = write_har(tmp_path / "session.har")
    screen = command_screen(terminal, width, tmp_path, f"{AUTHLENS} explain {har}")
    compare("explain", width, screen, tmp_path)
    assert "…" not in screen


@pytest.mark.parametrize("width", [80, 120])
def test_check_screen(terminal: Callable[[int], Terminal], tmp_path: Path, width: int) -> None:
    """check: what was read and each finding, keys as fingerprints."""
    env = f"OPENAI_API_KEY='\"{KEY}\"' OPENAI_ORG_ID=Personal HTTPS_PROXY=http://u:p4ssw0rd@127.0.0.1:8080"
    # A relative confdir: the hint quotes its path, and a temporary one would move the wraps.
    screen = command_screen(terminal, width, tmp_path, f"env {env} {AUTHLENS} check --confdir conf")
    compare("check", width, screen, tmp_path)
    assert "p4ssw0rd" not in screen


@pytest.mark.e2e
@pytest.mark.parametrize("width", WIDTHS)
def test_run_screen(terminal: Callable[[int], Terminal], tmp_path: Path, width: int) -> None:
    """run on a terminal: the banner once it listens, then one readable block per exchange,
    no mitmproxy connection chatter."""
    with FakeOpenAI([KEY]) as fake:
        term = terminal(width)
        term.start(
            f"{AUTHLENS} run -p 0 --mode reverse:{fake.url} "
            "--set authlens_profiles=127.0.0.1=openai",
            terminal_env(tmp_path),
        )
        banner = term.wait_for(lambda screen: "Ctrl-C stops" in screen)
        # The proxy picked its port (-p 0) and the banner says which.
        port = int(re.search(r"listening\s+127\.0\.0\.1:(\d+)", banner)[1])  # type: ignore[index]
        calls = [
            {
                "Authorization": f"Bearer {KEY}",
                "User-Agent": "OpenAI/Python 1.109.1",
                "X-Stainless-Lang": "python",
                "X-Stainless-Package-Version": "1.109.1",
            },
            {"Authorization": f'Bearer "{OTHER}"'},
            {"Authorization": "Bearer sk-YOUR_API_KEY"},
            {},
        ]
        for sent, headers in enumerate(calls, start=1):
            httpx.get(f"http://127.0.0.1:{port}/v1/models", headers=headers, timeout=10)
            term.wait_for(lambda s, n=sent: len(re.findall(r"^\d\d:\d\d:\d\d ", s, re.M)) >= n)
        screen = term.screen()
    compare("run", width, screen, tmp_path, timed=True)
    assert "client connect" not in screen
    assert not re.search(r"sk-proj-[A-Za-z0-9_-]{12}", screen)
