"""Run `.venv/bin/authlens` as a subprocess with a small, explicit environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AUTHLENS = str(Path(sys.executable).parent / "authlens")


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """PATH and HOME only (this machine exports CA variables globally), plus `extra`.

    PYTHONPATH is kept when set: it decides which copy of the package the command runs.
    """
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
        [AUTHLENS, *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
