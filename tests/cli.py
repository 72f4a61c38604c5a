"""Run `.venv/bin/authlens` as a subprocess with a small, explicit environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AUTHLENS = str(Path(sys.executable).parent / "authlens")


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """PATH and HOME only (this machine exports CA variables globally), plus `extra`."""
    # PYTHONPATH is kept: it is how a shared venv runs the code of the tree under test.
    kept = {k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ}
    return {"PATH": os.environ["PATH"], "HOME": str(home), "NO_COLOR": "1", **kept, **extra}


def authlens(
    *args: str,
    env: dict[str, str],
    cwd: Path | None = None,
    stdin: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AUTHLENS, *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Until something accepts on `port`; fail at once if `process` exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{process.args!r} exited with {process.returncode}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {timeout} s")
