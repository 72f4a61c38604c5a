"""The lock files in requirements/ agree with pyproject.toml and with each other.

A dependency added to pyproject.toml without `bin/lock` would be missing from every venv and
from the image (they install the lock with --no-deps): this says so, naming the command.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)


def pins(name: str) -> dict[str, Version]:
    text = (ROOT / "requirements" / name).read_text()
    return {canonicalize_name(m[1]): Version(m[2]) for m in _PIN.finditer(text)}


def declared(*, dev: bool) -> list[Requirement]:
    project = PYPROJECT["project"]
    found = [*project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        found += extra
    if dev:
        found += [r for r in PYPROJECT["dependency-groups"]["dev"] if isinstance(r, str)]
    return [Requirement(r) for r in found]


@pytest.mark.parametrize(("lock", "dev"), [("dev.txt", True), ("runtime.txt", False)])
def test_lock_pins_every_declared_requirement(lock: str, dev: bool) -> None:
    """Each requirement of pyproject.toml is pinned, at a version it accepts (else: bin/lock)."""
    pinned = pins(lock)
    for requirement in declared(dev=dev):
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in requirements/{lock}: run bin/lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={pinned[name]}, pyproject.toml wants "
            f"{requirement.specifier}: run bin/lock"
        )


@pytest.mark.parametrize("lock", ["runtime.txt", "build.txt"])
def test_image_locks_use_the_dev_locks_versions(lock: str) -> None:
    """The image installs the versions the suite ran with."""
    dev = pins("dev.txt")
    assert pins(lock)
    assert {n: v for n, v in pins(lock).items() if dev.get(n) != v} == {}


def test_linters_are_pinned_exactly() -> None:
    """ruff and mypy run as tests: a new release must not change the verdict by itself."""
    dev = {canonicalize_name(r.name): r for r in declared(dev=True)}
    for tool in ("ruff", "mypy"):
        (spec,) = dev[tool].specifier
        assert spec.operator == "=="
