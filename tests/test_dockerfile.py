"""The Dockerfile: a pinned base, the lock installed before the code, and its install steps run.

The install steps are replayed as written, offline, in clean virtualenvs: the wheel stage's
with one, the final stage's with another, from the locked wheels bin/_venv.sh keeps in this
venv's wheelhouse (`<venv>/wheels`). What comes out must be a working authlens.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from authlens.secrets.redactor import redact_text
from tests.dockerfiles import COMPOSE_FILE, DOCKERFILE, ROOT, Stage, mounts, stages

STAGES = stages()
FINAL = STAGES[-1]
WHEELHOUSE = Path(sys.prefix) / "wheels"


def test_base_images_are_pinned_by_digest() -> None:
    """Every stage that does not build on an earlier one names its base by sha256 digest."""
    names = {s.name for s in STAGES if s.name}
    bases = [s.base for s in STAGES if s.base not in names]
    assert bases
    for base in bases:
        assert re.fullmatch(r"[\w./:-]+@sha256:[0-9a-f]{64}", base), base


def installs_from_lock(stage: Stage) -> list[int]:
    """Positions of the RUNs that pip-install a hash-checked lock file mounted from the context."""
    return [
        n
        for n, i in enumerate(stage.instructions)
        if i.cmd == "RUN"
        and "--require-hashes" in i.value[0]
        and [m.get("source", "") for m in mounts(i)] == [m.get("target") for m in mounts(i)]
        and all(m.get("source", "").startswith("requirements/") for m in mounts(i))
    ]


@pytest.mark.parametrize("stage", STAGES[1:], ids=lambda s: s.name or "final")
def test_locked_dependencies_install_before_the_code_arrives(stage: Stage) -> None:
    """A code change cannot invalidate the dependency layer: nothing of the project comes first."""
    (deps,) = installs_from_lock(stage)
    before = stage.instructions[:deps]
    assert not [i for i in before if i.cmd in ("COPY", "ADD")]
    assert not [i for i in before if i.cmd == "RUN" and mounts(i)]
    brings_code = [
        n
        for n, i in enumerate(stage.instructions)
        if i.cmd in ("COPY", "ADD") or any(m.get("from") for m in mounts(i))
    ]
    assert brings_code
    assert min(brings_code) > deps


def test_image_runs_as_a_numeric_non_root_user() -> None:
    """A numeric uid >= 1000, so Kubernetes' runAsNonRoot can verify it."""
    uid = FINAL.last("USER").value[0].split(":")[0]
    assert uid.isdigit()
    assert int(uid) >= 1000


@pytest.mark.parametrize(
    "path", [DOCKERFILE, ROOT / ".dockerignore", COMPOSE_FILE, ROOT / "examples" / "Dockerfile"]
)
def test_no_secret_in_the_files(path: Path) -> None:
    """Nothing key-shaped, and no build argument or variable meant for a secret."""
    text = path.read_text(encoding="utf-8")
    assert redact_text(text) == text
    assert not re.search(r"^\s*(ARG|ENV)\s+\w*(KEY|TOKEN|SECRET|PASSWORD)", text, re.M | re.I)


def clean_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, symlinks=True).create(path)
    return path / "bin"


def replay_pip_steps(stage: Stage, bin_dir: Path, workdir: Path) -> None:
    """Run the stage's pip commands as written, from a copy of the context, pip offline."""
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(workdir.parent),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(WHEELHOUSE),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    steps = [i.value[0] for i in stage.all("RUN") if i.value[0].startswith("pip ")]
    assert steps, f"no pip step in stage {stage.name}"
    for step in steps:
        done = subprocess.run(
            ["sh", "-c", step],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"{step}\n{done.stdout}\n{done.stderr}"


def in_venv(bin_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(bin_dir), "HOME": str(bin_dir.parent)}
    return subprocess.run(
        [str(bin_dir / argv[0]), *argv[1:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(
    not WHEELHOUSE.is_dir() and not os.environ.get("CI"),
    reason="no wheelhouse in this venv: bin/test creates it (in CI this fails instead)",
)
def test_install_steps_build_a_working_image_environment(tmp_path: Path) -> None:
    """The wheel stage builds authlens with the locked backend; the final stage installs the
    locked runtime and that wheel into a clean venv, which has the CLI, the entry script and
    the packaged defaults, satisfies every requirement, and holds no build backend."""
    assert WHEELHOUSE.is_dir(), f"{WHEELHOUSE} is missing: run bin/test to create it"
    context = tmp_path / "context"
    shutil.copytree(
        ROOT,
        context,
        ignore=shutil.ignore_patterns(".*", "__pycache__", "tests", "benchmarks", "dist"),
    )
    (wheel_stage,) = [s for s in STAGES if s.name == "wheel"]
    replay_pip_steps(wheel_stage, clean_venv(tmp_path / "build-venv"), context)
    image = clean_venv(tmp_path / "image-venv")
    replay_pip_steps(FINAL, image, context)
    assert in_venv(image, "python", "-m", "pip", "check").returncode == 0
    probe = in_venv(
        image,
        "python",
        "-c",
        "import importlib.util as u, authlens.commands.run as r, authlens.settings as s;"
        "print(r.ENTRY_SCRIPT, s.packaged_default_config(), u.find_spec('hatchling'))",
    )
    assert probe.returncode == 0, probe.stderr
    entry, defaults, hatchling = probe.stdout.split()
    site = str(tmp_path / "image-venv")
    assert entry.startswith(site)
    assert Path(entry).name == "authlens_addon.py"
    assert (ROOT / "addons" / "authlens_addon.py").read_text() == Path(entry).read_text()
    assert defaults.startswith(site)
    assert Path(defaults).is_file()
    assert hatchling == "None"
    version = in_venv(image, "authlens", "--version")
    assert version.returncode == 0, version.stderr
