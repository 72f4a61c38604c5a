"""ruff (lint and format) and mypy --strict, as part of the suite so CI keeps them clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHECKS = {
    "ruff check": [BIN / "ruff", "check", "."],
    "ruff format": [BIN / "ruff", "format", "--check", "."],
    "mypy": [BIN / "mypy"],  # files and strictness come from pyproject.toml
}


@pytest.mark.parametrize("name", CHECKS)
def test_static_check_is_clean(name: str) -> None:
    """The whole tree passes the check configured in pyproject.toml."""
    result = subprocess.run(CHECKS[name], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
