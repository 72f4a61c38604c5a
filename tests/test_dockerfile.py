"""The Dockerfiles, parsed here, and their install step replayed offline (no Docker engine)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import pytest

from authlens.output.redact import redact_text
from tests.dockerfiles import (
    AUTHLENS_IMAGE,
    CA_CERT,
    CLIENT_DOCKERFILE,
    CLIENT_IMAGE,
    COMPOSE_FILE,
    CONFDIR,
    DOCKERFILE,
    ENTRYPOINT,
    LOG_FILE,
    ROOT,
    Instruction,
    copies,
    execute,
    only,
    uid_of_final_user,
)


@pytest.mark.parametrize("image", [AUTHLENS_IMAGE, CLIENT_IMAGE], ids=["authlens", "client"])
def test_images_are_slim_python_run_by_a_non_root_user(image: list[Instruction]) -> None:
    """python:3.12-slim or newer, and the final USER is created with a uid >= 1000."""
    base = re.fullmatch(r"python:3\.(\d+)-slim", [i.args for i in image if i.keyword == "FROM"][-1])
    assert base
    assert int(base[1]) >= 12
    assert uid_of_final_user(image) >= 1000


def test_client_uid_cannot_read_the_ca_key() -> None:
    """mitmproxy writes the CA key 0600 for authlens' uid; the client runs as another."""
    assert uid_of_final_user(CLIENT_IMAGE) != uid_of_final_user(AUTHLENS_IMAGE)


def test_authlens_image_listens_everywhere_with_its_state_in_volumes() -> None:
    """Entrypoint, exposed ports, volumes and healthcheck fit together."""
    assert ENTRYPOINT[:4] == ["authlens", "run", "--listen-host", "0.0.0.0"]
    volumes = json.loads(only(AUTHLENS_IMAGE, "VOLUME").args)
    assert sorted(volumes) == sorted([CONFDIR, str(Path(LOG_FILE).parent)])
    exposed = {int(p) for p in only(AUTHLENS_IMAGE, "EXPOSE").args.split()}
    cmd = only(AUTHLENS_IMAGE, "CMD").exec_form()
    assert {int(a.rpartition("@")[2]) for a in cmd if "@" in a} == exposed == {8080, 8081}
    check = only(AUTHLENS_IMAGE, "HEALTHCHECK").exec_form()
    assert check[:2] == ["python", "-c"]
    assert f"{CONFDIR}/{CA_CERT}" in check[2]


OUR_FILES = [DOCKERFILE, CLIENT_DOCKERFILE, ROOT / ".dockerignore", COMPOSE_FILE]


@pytest.mark.parametrize("path", [*OUR_FILES, ROOT / "examples" / "openai_client.py"])
def test_no_secret_in_the_files(path: Path) -> None:
    """Nothing key-shaped, and no build argument or variable meant for a secret."""
    text = path.read_text(encoding="utf-8")
    assert redact_text(text) == text
    assert not re.search(r"^\s*(ARG|ENV)\s+\w*(KEY|TOKEN|SECRET|PASSWORD)", text, re.M | re.I)


def dockerignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule, near enough: the last pattern matching the path or a parent wins."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for pattern in patterns:
        if any(fnmatch(c, pattern.removeprefix("!").rstrip("/")) for c in candidates):
            ignored = not pattern.startswith("!")
    return ignored


def test_dockerignore_keeps_the_copied_files_and_drops_local_state() -> None:
    """Every file the Dockerfile copies is in the build context; .env and .venv are not."""
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for sources, _ in copies(AUTHLENS_IMAGE):
        for source in sources:
            files = [ROOT / source] if (ROOT / source).is_file() else (ROOT / source).rglob("*")
            kept = [f.relative_to(ROOT).as_posix() for f in files if f.is_file()]
            kept = [k for k in kept if "__pycache__" not in k]
            assert kept
            assert not [k for k in kept if dockerignored(k, patterns)]
    for local in (".env", ".venv/bin/python", "tests/test_compose.py", ".git/config"):
        assert dockerignored(local, patterns), local


def replay_copies(build_dir: str, dest_root: Path) -> None:
    """Put the files the Dockerfile copies into `build_dir` under `dest_root` instead."""
    for sources, dest in copies(AUTHLENS_IMAGE):
        for source in sources:
            target = dest_root / Path(dest).relative_to(build_dir)
            target = target / Path(source).name if dest.endswith("/") else target
            target.parent.mkdir(parents=True, exist_ok=True)
            if (ROOT / source).is_dir():
                shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(ROOT / source, target)


def test_install_step_builds_a_complete_package(tmp_path: Path) -> None:
    """What the Dockerfile copies builds a wheel with the defaults, entry script and CLI."""
    (run_pip,) = [i.args for i in AUTHLENS_IMAGE if i.keyword == "RUN" and "pip install" in i.args]
    build_dir = run_pip.split("pip install ", 1)[1].split()[0].partition("[")[0]
    replay_copies(build_dir, tmp_path / "src")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    offline = ["--no-deps", "--no-index", "--no-build-isolation"]  # hatchling from .venv
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    built = execute([*pip, "wheel", *offline, "-w", tmp_path / "dist", tmp_path / "src"], env)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("authlens-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "authlens/defaults/default.toml",
        "authlens/proxy/entry.py",
        "authlens/py.typed",
    } <= names
    installed = execute([*pip, "install", *offline, "--target", tmp_path / "site", wheel], env)
    assert installed.returncode == 0, installed.stderr
    assert (tmp_path / "site" / "bin" / "authlens").is_file()
    probe = (
        "import authlens; from authlens.settings import packaged_default_config as c; "
        "from authlens.commands.run import ENTRY_SCRIPT as e; "
        "print(authlens.__file__, c().is_file(), e.is_file())"
    )
    probed = execute([sys.executable, "-c", probe], env | {"PYTHONPATH": str(tmp_path / "site")})
    assert probed.returncode == 0, probed.stderr
    module, defaults_found, entry_found = probed.stdout.split()
    assert module.startswith(str(tmp_path / "site"))
    assert (defaults_found, entry_found) == ("True", "True")
