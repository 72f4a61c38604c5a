"""`authlens doctor` as a subprocess against a running proxy: the contract's JSON, exit codes,
runtimes from the project files, installed or not."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import trustme

from tests.harness import Proxy, ProxyFactory
from tests.runtimes.support import AUTHLENS, need, node_bin, own_confdir, user_env

pytestmark = pytest.mark.e2e
FIELDS = {
    "runtime",
    "client",
    "version",
    "installed",
    "verified",
    "reaches_proxy",
    "trusts_ca",
    "fix",
}


@pytest.fixture(scope="module")
def proxy(make_module_proxy: ProxyFactory) -> Proxy:
    return make_module_proxy("mitmdump")


def path_with(tmp_path: Path, **tools: str) -> str:
    """A PATH holding exactly `tools` (name -> binary): what is not there is not installed."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name, target in {"bash": "/bin/bash", "env": "/usr/bin/env", **tools}.items():
        # A script, not a symlink: a venv's python must be started by its own path.
        (folder / name).write_text(f'#!/bin/sh\nexec "{target}" "$@"\n')
        (folder / name).chmod(0o755)
    return str(folder)


def doctor(project: Path, proxy: Proxy, env: dict[str, str]) -> tuple[int, dict[str, object]]:
    confdir = own_confdir(proxy.ca_path, project / ".conf")
    done = subprocess.run(
        [AUTHLENS, "doctor", "--json", "--proxy", proxy.url, "--confdir", str(confdir)],
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def test_project_runtimes_proven_or_explained(proxy: Proxy, tmp_path: Path) -> None:
    """Python (aiohttp, openai) and Node 20 installed, Go only in go.mod: each row says what
    was proven; Node 20 and aiohttp do not reach the proxy and get their fix; Go is listed
    unverified with null booleans; exit 1."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "requirements.txt").write_text("openai>=1.50\naiohttp==3.14.5\n")
    (project / "package.json").write_text(
        json.dumps({"dependencies": {"openai": "^5"}, "engines": {"node": ">=20"}})
    )
    (project / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    path = path_with(
        tmp_path, python3=str(AUTHLENS.parent / "python3"), node=str(node_bin("20.20.2") / "node")
    )
    code, document = doctor(project, proxy, user_env(tmp_path, path))
    rows = {(r["runtime"], r["client"]): r for r in document["runtimes"]}  # type: ignore[union-attr]
    assert all(set(r) == FIELDS for r in rows.values())
    assert code == 1
    openai = rows["python", "openai"]
    assert (openai["verified"], openai["reaches_proxy"], openai["trusts_ca"]) == (True, True, True)
    assert rows["python", "aiohttp"]["reaches_proxy"] is False
    assert "trust_env=True" in str(rows["python", "aiohttp"]["fix"])
    node = rows["node", "fetch"]
    assert (node["version"], node["reaches_proxy"]) == ("20.20.2", False)
    assert "22.21+" in str(node["fix"])
    go = rows["go", "net/http"]
    assert (go["installed"], go["verified"], go["reaches_proxy"], go["trusts_ca"]) == (
        False,
        False,
        None,
        None,
    )


def test_all_verified_exit_0(proxy: Proxy, tmp_path: Path) -> None:
    """A curl-only project whose canary goes through: exit 0, no fix."""
    need("curl")
    project = tmp_path / "app"
    project.mkdir()
    (project / "fetch.sh").write_text("curl -sS https://api.openai.com/v1/models\n")
    code, document = doctor(
        project, proxy, user_env(tmp_path, path_with(tmp_path, curl="/usr/bin/curl"))
    )
    assert code == 0
    assert document == {
        "runtimes": [
            {
                "runtime": "curl",
                "client": "curl",
                "version": document["runtimes"][0]["version"],  # type: ignore[index]
                "installed": True,
                "verified": True,
                "reaches_proxy": True,
                "trusts_ca": True,
                "fix": None,
            }
        ]
    }


def test_no_proxy_running(tmp_path: Path) -> None:
    """Nothing listening: exit 2 and the command to start it, named as invoked."""
    confdir = tmp_path / "conf"  # a CA of its own: the proxy's is not needed to find no proxy
    confdir.mkdir()
    trustme.CA().cert_pem.write_to_path(str(confdir / "mitmproxy-ca-cert.pem"))
    env = user_env(tmp_path, os.environ["PATH"], AUTHLENS_PROG="bin/authlens")
    done = subprocess.run(
        [AUTHLENS, "doctor", "--proxy", "http://127.0.0.1:9", "--confdir", str(confdir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "no proxy is listening at http://127.0.0.1:9" in done.stderr
    assert "'bin/authlens run'" in done.stderr
