"""Every runtime of the issue's table, for real: after `eval "$(authlens env)"` alone, does a
canary from it reach the proxy and trust its CA, and when not, does doctor name the fix?

One proxy for the module (regular mode; the canary host is answered by the proxy itself).
Expectations are the measured behaviour of each runtime, not of our code: Node's built-in
proxy support starts at 22.21 (fetch and https) and 24.0 (fetch) / 24.5 (https); aiohttp
needs trust_env=True; the others follow the variables env sets.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from authlens.tools.runtimes_canary import run_canary
from authlens.tools.runtimes_doctor import row_for
from tests.harness import Proxy, ProxyFactory
from tests.runtimes.support import (
    AUTHLENS,
    after_eval,
    base_path,
    need,
    node_bin,
    own_confdir,
    user_env,
)

pytestmark = pytest.mark.e2e

# (runtime, client, commands it needs, reaches the proxy with env's variables alone)
CASES = [
    ("python", "openai", (), True),
    ("python", "httpx", (), True),
    ("python", "requests", (), True),
    ("python", "urllib", (), True),
    ("python", "aiohttp", (), False),
    ("java", "httpclient", ("java", "keytool"), True),
    ("go", "net/http", ("go",), True),
    ("php", "curl", ("php",), True),
    ("php", "streams", ("php",), True),
    ("ruby", "net/http", ("ruby",), True),
    ("curl", "curl", ("curl",), True),
    ("wget", "wget", ("wget",), True),
]
NODE_CASES = [
    ("20.20.2", "fetch", False),
    ("20.20.2", "https", False),
    ("22.20.0", "fetch", False),
    ("22.20.0", "https", False),
    ("22.21.1", "fetch", True),
    ("22.21.1", "https", True),
    ("24.4.1", "fetch", True),
    ("24.4.1", "https", False),
    ("24.5.0", "fetch", True),
    ("24.5.0", "https", True),
]
# The error each client raises shows the hint (openai SDKs quote error.message; requests,
# httpx and urllib raise "401 Client Error ..." without the body).
HINT_IN_ERROR = {"openai": True, "httpx": False, "requests": False, "urllib": False}


@pytest.fixture(scope="module")
def proxy(make_module_proxy: ProxyFactory) -> Proxy:
    return make_module_proxy("mitmdump")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


def evaluated(proxy: Proxy, home: Path, path: str) -> dict[str, str]:
    env = user_env(home, path)
    confdir = own_confdir(proxy.ca_path, home / "conf")
    return after_eval(env, "--proxy", proxy.url, "--confdir", str(confdir))


@pytest.mark.parametrize(
    ("runtime", "client", "commands", "reaches"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_runtime_after_eval_env(
    proxy: Proxy,
    home: Path,
    tmp_path: Path,
    runtime: str,
    client: str,
    commands: tuple[str, ...],
    reaches: bool,
) -> None:
    """eval "$(authlens env)" alone sends the runtime through the proxy with our CA trusted,
    or doctor's row says why not and what to change."""
    need(*commands)
    env = evaluated(proxy, home, base_path())
    result = run_canary(runtime, client, env, tmp_path)
    assert result.reaches_proxy is reaches, result.error
    assert result.trusts_ca is reaches, result.error
    if client in HINT_IN_ERROR:
        assert result.hint_seen is HINT_IN_ERROR[client], result.error
    row = row_for(runtime, client, "3.13.0", result, prog="authlens", port=proxy.port)
    if not reaches:
        assert row.fix is not None
        assert "trust_env=True" in row.fix
        assert f"OPENAI_BASE_URL=http://127.0.0.1:{proxy.port}/v1" in row.fix


@pytest.mark.parametrize(
    ("version", "client", "reaches"), NODE_CASES, ids=[f"node{v}-{c}" for v, c, _ in NODE_CASES]
)
def test_node_versions_after_eval_env(
    proxy: Proxy, home: Path, tmp_path: Path, version: str, client: str, reaches: bool
) -> None:
    """Node through the variables: only where Node itself supports NODE_USE_ENV_PROXY; where
    not, doctor names the release to upgrade to (and undici's agent for fetch)."""
    env = evaluated(proxy, home, base_path(node_bin(version)))
    result = run_canary("node", client, env, tmp_path)
    assert (result.reaches_proxy, result.trusts_ca) == (reaches, reaches), result.error
    row = row_for("node", client, version, result, prog="authlens", port=proxy.port)
    if reaches:
        assert row.fix is None
        return
    assert row.fix is not None
    assert ("22.21+" if version < "23" else "24.5+") in row.fix
    assert ("EnvHttpProxyAgent" in row.fix) is (client == "fetch")


@pytest.mark.parametrize("runtime", ["curl", "python"])
def test_without_env_nothing_reaches_the_proxy(
    proxy: Proxy, home: Path, tmp_path: Path, runtime: str
) -> None:
    """The control: the same canaries without env's lines never get to the proxy."""
    need("curl")
    client = "curl" if runtime == "curl" else "requests"
    result = run_canary(runtime, client, user_env(home, base_path()), tmp_path)
    assert not result.reaches_proxy, result.error


def test_lowercase_proxy_left_in_the_shell_is_replaced(
    proxy: Proxy, home: Path, tmp_path: Path
) -> None:
    """A corporate https_proxy in the shell would win over HTTPS_PROXY (Python, curl): after
    env both cases point at authlens, and it is named on stderr."""
    need("curl")
    corporate = "http://127.0.0.1:9"  # nothing listens there
    env = user_env(home, base_path(), https_proxy=corporate, NO_PROXY="intranet.example")
    confdir = own_confdir(proxy.ca_path, home / "conf")
    after = after_eval(env, "--proxy", proxy.url, "--confdir", str(confdir))
    assert after["https_proxy"] == after["HTTPS_PROXY"] == proxy.url
    assert after["NO_PROXY"].startswith("intranet.example,")
    for runtime, client in (("curl", "curl"), ("python", "requests")):
        result = run_canary(runtime, client, after, tmp_path / client)
        assert result.reaches_proxy, result.error


def test_node_reading_dotenv_is_too_late_and_check_says_so(
    proxy: Proxy, home: Path, tmp_path: Path
) -> None:
    """`node --env-file=.env` holding the proxy settings still bypasses (Node read its proxy
    settings at startup); `check` in that project names the reason and the fix."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"dependencies": {"openai": "^5"}}')
    (project / ".env").write_text(
        f"HTTPS_PROXY={proxy.url}\nNODE_USE_ENV_PROXY=1\nNODE_EXTRA_CA_CERTS={proxy.ca_path}\n"
    )
    env = user_env(home, base_path(node_bin("24.5.0")))
    script = (
        "fetch('https://authlens-canary.api.openai.com/v1/authlens-canary/dotenv')"
        ".then(r => console.log(r.status)).catch(e => console.log('failed', e.cause))"
    )

    def run_here(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv, env=env, cwd=project, capture_output=True, text=True, timeout=60, check=False
        )

    done = run_here("node", "--env-file=.env", "-e", script)
    assert done.stdout.startswith("failed"), done.stdout
    check = run_here(str(AUTHLENS), "check", "--json", "--confdir", str(proxy.confdir))
    found = {(f["variable"], f["cause"]): f["hint"] for f in json.loads(check.stdout)["findings"]}
    hint = found["NODE_USE_ENV_PROXY", "proxy_ignored_by_runtime"]
    assert "at startup" in hint
    assert "export them in the shell" in hint
