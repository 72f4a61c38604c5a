"""The pure core never imports mitmproxy; only `authlens.proxy` (and commands) may."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "credentials",
    "diagnosis",
    "output",
    "tools",
    "causes",
    "exchange",
    "providers",
    "settings",
]


@pytest.mark.parametrize("package", CORE)
def test_core_imports_no_mitmproxy(package: str) -> None:
    """Importing a core package (and all its modules) leaves mitmproxy unloaded."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"mod = importlib.import_module('authlens.{package}')\n"
        "for info in pkgutil.walk_packages(getattr(mod, '__path__', []), mod.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "sys.exit(1 if any(m.split('.')[0] == 'mitmproxy' for m in sys.modules) else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
