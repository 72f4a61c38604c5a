"""`authlens check` knows the runtimes doctor proves: which variable each one reads, Node's
version and its late .env, the lowercase proxy variable that wins, a CA per runtime."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from authlens.tools.dotenv_bytes import parse_dotenv
from authlens.tools.envlint import lint
from authlens.tools.proxylint import ProxyContext
from tests.harness import synthetic_key
from tests.runtimes.support import AUTHLENS, base_path, node_bin, user_env

CA = b"-----BEGIN CERTIFICATE-----\nMIIfake\n-----END CERTIFICATE-----\n"
KEY = synthetic_key()
PROXY = {"HTTPS_PROXY": "http://127.0.0.1:8080"}


def findings(
    environ: dict[str, str], project: Path, *, node: str | None = None, dotenv: bytes | None = None
) -> dict[tuple[str, str], str]:
    """(variable, cause) -> hint of every finding; a valid key is set (these are about runtimes)."""
    environ = {"OPENAI_API_KEY": KEY, **environ}
    files = [parse_dotenv(dotenv, project / ".env")] if dotenv is not None else []
    ctx = ProxyContext(project, CA, Path("/conf/ca.pem"), frozenset(environ), node)
    return {(f.variable, f.cause): f.hint for f in lint(environ, files, ctx)[1]}


@pytest.fixture
def trusted(tmp_path: Path) -> str:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(b"roots\n" + CA)
    return str(bundle)


def test_lowercase_proxy_wins_and_is_named(tmp_path: Path, trusted: str) -> None:
    """A corporate https_proxy beside our HTTPS_PROXY: most runtimes go to the corporate one."""
    env = {**PROXY, "https_proxy": "http://user:pw@corp.example:3128", "SSL_CERT_FILE": trusted}
    found = findings(env, tmp_path)
    hint = found["https_proxy", "proxy_ignored_by_runtime"]
    assert "lowercase https_proxy (it wins)" in hint
    assert "pw" not in hint
    assert findings({**env, "https_proxy": PROXY["HTTPS_PROXY"]}, tmp_path) == {}


@pytest.mark.parametrize(
    ("version", "client_dep", "ignored"),
    [
        ("20.20.2", "openai", True),
        ("22.20.0", "openai", True),
        ("22.21.1", "axios", False),
        ("24.4.1", "openai", False),
        ("24.4.1", "axios", True),
        ("24.5.0", "axios", False),
    ],
)
def test_node_version_decides(tmp_path: Path, version: str, client_dep: str, ignored: bool) -> None:
    """NODE_USE_ENV_PROXY=1 set, but Node itself must support it (axios uses `https`)."""
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {client_dep: "*"}}))
    ca = tmp_path / "ca.pem"
    ca.write_bytes(CA)
    env = {**PROXY, "NODE_USE_ENV_PROXY": "1", "NODE_EXTRA_CA_CERTS": str(ca)}
    found = findings(env, tmp_path, node=version)
    hint = found.get(("NODE_USE_ENV_PROXY", "proxy_ignored_by_runtime"))
    assert (hint is not None) is ignored
    if hint:
        assert f"Node {version}" in hint
        assert "upgrade to Node" in hint


def test_node_settings_from_dotenv_arrive_too_late(tmp_path: Path) -> None:
    """NODE_USE_ENV_PROXY only in .env: Node read its environment before dotenv ran."""
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"dotenv": "*"}}))
    ca = tmp_path / "ca.pem"
    ca.write_bytes(CA)
    dotenv = f"NODE_USE_ENV_PROXY=1\nNODE_EXTRA_CA_CERTS={ca}\n".encode()
    found = findings(dict(PROXY), tmp_path, node="24.5.0", dotenv=dotenv)
    assert "at startup" in found["NODE_USE_ENV_PROXY", "proxy_ignored_by_runtime"]


@pytest.mark.parametrize(
    ("marker", "variables"),
    [
        ("pom.xml", {"JAVA_TOOL_OPTIONS"}),
        ("go.mod", {"SSL_CERT_FILE"}),
        ("Gemfile", {"http_proxy", "SSL_CERT_FILE"}),
        ("composer.json", {"PHP_INI_SCAN_DIR"}),
        ("requirements.txt", {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"}),
    ],
)
def test_each_runtime_names_its_own_variables(
    tmp_path: Path, marker: str, variables: set[str]
) -> None:
    """Only HTTPS_PROXY set: each runtime's finding names the variable that runtime reads."""
    (tmp_path / marker).write_text("requests\n" if marker == "requirements.txt" else "")
    assert {variable for variable, _ in findings(dict(PROXY), tmp_path)} == variables


def test_aiohttp_without_trust_env(tmp_path: Path, trusted: str) -> None:
    (tmp_path / "requirements.txt").write_text("aiohttp\n")
    env = {**PROXY, "SSL_CERT_FILE": trusted}
    (tmp_path / "app.py").write_text("session = aiohttp.ClientSession()\n")
    assert "trust_env=True" in findings(env, tmp_path)["HTTPS_PROXY", "proxy_ignored_by_runtime"]
    (tmp_path / "app.py").write_text("session = aiohttp.ClientSession(trust_env=True)\n")
    assert findings(env, tmp_path) == {}


def test_check_after_env_with_old_node(tmp_path: Path, confdir_ca: Path) -> None:
    """The whole command: after eval env, with Node 20 on PATH, check does not say "No problems
    found": it names Node's version; with Node 24.5 it is clean."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text(json.dumps({"dependencies": {"openai": "^5"}}))
    for version, expected in (("20.20.2", 1), ("24.5.0", 0)):
        env = user_env(tmp_path, base_path(node_bin(version)), OPENAI_API_KEY=KEY)
        script = (
            f'eval "$({AUTHLENS} env --confdir {confdir_ca})" && '
            f"{AUTHLENS} check --json --confdir {confdir_ca}"
        )
        done = subprocess.run(
            ["bash", "-c", script],
            env=env,
            cwd=project,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == expected, done.stdout + done.stderr
        if expected:
            causes = json.loads(done.stdout)["findings"]
            assert [f["cause"] for f in causes] == ["proxy_ignored_by_runtime"]
            assert f"Node {version}" in causes[0]["hint"]


@pytest.fixture
def confdir_ca(tmp_path: Path) -> Path:
    import trustme

    folder = tmp_path / "conf"
    folder.mkdir()
    trustme.CA().cert_pem.write_to_path(str(folder / "mitmproxy-ca-cert.pem"))
    return folder
