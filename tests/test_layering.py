"""The pure core never imports mitmproxy; only `authlens.proxy` (and commands) may."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "credentials",
    "diagnosis",
    "output",
    "secrets",
    "tools",
    "causes",
    "exchange",
    "providers",
    "settings",
    "options",
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


# (package, packages it must never import): redaction sits below diagnosis and output, and
# data flows one way between those two.
FORBIDDEN = [
    (
        "secrets",
        ("authlens.credentials", "authlens.diagnosis", "authlens.output", "authlens.proxy"),
    ),
    ("diagnosis", ("authlens.output", "authlens.proxy")),
    ("output", ("authlens.diagnosis", "authlens.proxy")),
]


@pytest.mark.parametrize(("package", "forbidden"), FORBIDDEN)
def test_layers_import_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    """Importing a package (and its modules) loads none of the packages above it."""
    code = (
        "import importlib, pkgutil, sys\n"
        f"mod = importlib.import_module('authlens.{package}')\n"
        "for info in pkgutil.walk_packages(getattr(mod, '__path__', []), mod.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        f"bad = [m for m in sys.modules if m.startswith({forbidden!r})]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
