"""The real runtimes the runtime tests drive, and how to get an environment as users do.

Debian packages and the Node binaries are installed by .ci/needs/runtimes.sh. A runtime that
is missing fails the test in CI (CI is set) and skips it on a developer's machine, naming the
installer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import REPO, clean_env

INSTALLER = ".ci/needs/runtimes.sh"
NODE_CACHE = Path(os.environ.get("AUTHLENS_NODE_CACHE", REPO / ".cache" / "node"))
# Kept in step with .ci/needs/runtimes.sh: both sides of each boundary of Node's proxy support.
NODE_VERSIONS = ("20.20.2", "22.20.0", "22.21.1", "24.4.1", "24.5.0")
AUTHLENS = Path(sys.executable).parent / "authlens"


def missing(what: str) -> None:
    """Fail in CI, skip elsewhere: a runtime test never passes silently without its runtime."""
    message = f"{what} is not installed: run {INSTALLER}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def need(*commands: str) -> None:
    for command in commands:
        if shutil.which(command) is None:
            missing(command)


def node_bin(version: str) -> Path:
    """The folder holding `node` of exactly `version` (on PATH first, it is the one used)."""
    folder = NODE_CACHE / version / "node_modules" / "node" / "bin"
    if not (folder / "node").is_file():
        missing(f"Node {version}")
    return folder


def base_path(*first: Path) -> str:
    """PATH with `first`, our venv (python3 with openai, httpx, requests, aiohttp), the system."""
    return os.pathsep.join(
        [*map(str, first), str(AUTHLENS.parent), "/usr/local/bin", "/usr/bin", "/bin"]
    )


def user_env(home: Path, path: str, **extra: str) -> dict[str, str]:
    """A user's shell before `authlens env`: no proxy or CA variables, its own HOME."""
    env = clean_env(HOME=str(home), PATH=path, NO_COLOR="1", **extra)
    for name in (
        "JAVA_TOOL_OPTIONS",
        "WGETRC",
        "PHP_INI_SCAN_DIR",
        "NODE_EXTRA_CA_CERTS",
        "NODE_USE_ENV_PROXY",
        "NODE_OPTIONS",
        "SSL_CERT_DIR",
    ):
        if name not in extra:
            env.pop(name, None)
    return env


def own_confdir(proxy_ca: Path, folder: Path) -> Path:
    """A confdir holding a copy of the proxy's CA: `env` and `doctor` write their files there,
    not into the confdir the whole session shares."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mitmproxy-ca-cert.pem").write_bytes(proxy_ca.read_bytes())
    return folder


def after_eval(env: dict[str, str], *env_args: str) -> dict[str, str]:
    """The environment a bash user has after `eval "$(authlens env ...)"`, and nothing else."""
    script = f'eval "$({AUTHLENS} env --shell bash {" ".join(env_args)})" && env -0'
    done = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    pairs = [item.split(b"=", 1) for item in done.stdout.split(b"\0") if b"=" in item]
    return {k.decode(): v.decode() for k, v in pairs}
