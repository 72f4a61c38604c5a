"""Which runtimes a project uses (from its files) and which are installed (from their versions).

Project files are read, never executed: package.json (engines, dependencies) and its lockfile,
pyproject/requirements/Pipfile and their locks, pom.xml/build.gradle, go.mod, composer.json,
Gemfile; shell scripts, Makefiles and Dockerfiles for curl and wget.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from authlens.tools.runtimes import BY_NAME, parse_version

_MARKERS = {
    "python": (
        "pyproject.toml",
        "requirements.txt",
        "requirements-dev.txt",
        "setup.py",
        "setup.cfg",
        "Pipfile",
        "Pipfile.lock",
        "poetry.lock",
        "uv.lock",
    ),
    "node": ("package.json",),
    "java": ("pom.xml", "build.gradle", "build.gradle.kts"),
    "go": ("go.mod",),
    "php": ("composer.json",),
    "ruby": ("Gemfile", "Gemfile.lock"),
}
_NODE_LOCKS = ("package-lock.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock")
_SCRIPTS = ("Makefile", "Dockerfile", "justfile", "*.sh", "scripts/*.sh", "bin/*")
_MAX_READ = 2_000_000
# Node packages that make their own requests through the `https` module, not fetch.
_HTTPS_MODULE_CLIENTS = frozenset({"axios", "got", "node-fetch", "request", "superagent"})
_VERSION_COMMANDS = {
    "python": ("python3", "--version"),
    "node": ("node", "--version"),
    "java": ("java", "-version"),
    "go": ("go", "version"),
    "php": ("php", "-r", "echo PHP_VERSION;"),
    "ruby": ("ruby", "-e", "print RUBY_VERSION"),
    "curl": ("curl", "--version"),
    "wget": ("wget", "--version"),
}


@dataclass(slots=True)
class ProjectRuntime:
    """A runtime found in the project: the clients to prove and what the files said."""

    name: str
    clients: list[str]
    notes: list[str] = field(default_factory=list)
    wanted: str | None = None  # e.g. package.json engines.node


def _read(path: Path) -> str:
    try:
        return path.read_bytes()[:_MAX_READ].decode("utf-8", "replace")
    except OSError:
        return ""


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9_.@/-]+", text.lower()))


def python_runtime(root: Path) -> ProjectRuntime:
    text = " ".join(_read(root / m) for m in _MARKERS["python"])
    words = {re.split(r"[<>=!~\[;@ ]", w, maxsplit=1)[0] for w in _words(text)}
    known = BY_NAME["python"].clients
    clients = [c for c in known if c in words] or [c for c in known if c != "aiohttp"]
    if "urllib" not in clients:
        clients.append("urllib")
    return ProjectRuntime("python", clients)


def node_runtime(root: Path) -> ProjectRuntime:
    try:
        package = json.loads(_read(root / "package.json") or "{}")
    except ValueError:
        package = {}
    package = package if isinstance(package, dict) else {}
    names: set[str] = set()
    for section in ("dependencies", "devDependencies", "optionalDependencies"):
        if isinstance(package.get(section), dict):
            names |= set(package[section])
    locks = " ".join(_read(root / lock) for lock in _NODE_LOCKS)
    names |= {
        n
        for n in _HTTPS_MODULE_CLIENTS | {"dotenv", "openai"}
        if f"/{n}" in locks or f'"{n}"' in locks or f"\n{n}@" in locks
    }
    clients = ["fetch"] + (["https"] if names & _HTTPS_MODULE_CLIENTS or not names else [])
    found = ProjectRuntime("node", clients)
    engines = package.get("engines")
    if isinstance(engines, dict) and isinstance(engines.get("node"), str):
        found.wanted = engines["node"]
    scripts = json.dumps(package.get("scripts", {}))
    if "dotenv" in names or "--env-file" in scripts:
        found.notes.append(
            "the app loads .env itself (dotenv / --env-file): Node reads NODE_USE_ENV_PROXY "
            "and NODE_EXTRA_CA_CERTS at startup only, so put them in the environment node "
            "starts with, not in .env"
        )
    return found


def script_runtimes(root: Path) -> list[ProjectRuntime]:
    text = " ".join(_read(p) for pattern in _SCRIPTS for p in sorted(root.glob(pattern))[:50])
    return [ProjectRuntime(n, [n]) for n in ("curl", "wget") if re.search(rf"\b{n}\b", text)]


def project_runtimes(root: Path) -> list[ProjectRuntime]:
    """The runtimes `root`'s files show, in the table's order."""
    found: list[ProjectRuntime] = []
    for name, markers in _MARKERS.items():
        if any((root / m).exists() for m in markers) or (
            name == "python" and any(root.glob("requirements*.txt"))
        ):
            if name == "python":
                found.append(python_runtime(root))
            elif name == "node":
                found.append(node_runtime(root))
            else:
                found.append(ProjectRuntime(name, list(BY_NAME[name].clients)))
    return found + script_runtimes(root)


def installed_version(name: str) -> str | None:
    """The version of runtime `name` on PATH, or None when it is not installed."""
    command = _VERSION_COMMANDS[name]
    if shutil.which(command[0]) is None:
        return None
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    version = parse_version(done.stdout + done.stderr)
    return ".".join(map(str, version)) if version and done.returncode == 0 else None
