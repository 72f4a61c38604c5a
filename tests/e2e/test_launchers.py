"""`authlens run` and `mitmdump -s addons/authlens_addon.py` act the same; bad config stops both."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.harness import (
    LAUNCHERS,
    ConnectRelay,
    Proxy,
    ProxyFactory,
    clean_env,
    synthetic_key,
    upstream_args,
)

pytestmark = pytest.mark.e2e

API = "https://api.openai.com"
# Fields that differ between two runs of the same request.
VOLATILE = ("timestamp", "id", "client_request_id", "upstream_request_id", "duration_ms")


def requests_for(good_key: str, bad_key: str) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("GET", "/v1/models", {"authorization": f"Bearer {good_key}"}),
        ("GET", "/v1/models", {"authorization": f"Bearer {bad_key}"}),
        ("GET", "/v1/models", {}),
        ("GET", "/v1/models", {"authorization": "Basic dXNlcjpwYXNz"}),
        ("GET", "/v1/models", {"authorization": f"Bearer {good_key}", "openai-project": "proj_x1"}),
        ("GET", "/models", {"authorization": f"Bearer {good_key}"}),
    ]


def exchange(
    proxy: Proxy, good_key: str, bad_key: str
) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """Send the same requests; return (X-Authlens-* headers, log line without volatile fields)."""
    results = []
    with proxy.client() as client:
        for method, path, headers in requests_for(good_key, bad_key):
            response = client.request(method, f"{API}{path}", headers=headers)
            ours = {k: v for k, v in response.headers.items() if k.startswith("x-authlens-")}
            line = proxy.log_line(ours["x-authlens-id"])
            results.append(
                (
                    {k: v for k, v in ours.items() if k != "x-authlens-id"},
                    {k: v for k, v in line.items() if k not in VOLATILE},
                )
            )
    return results


@pytest.fixture(scope="module")
def both(make_module_proxy: ProxyFactory, relay: ConnectRelay) -> dict[str, Proxy]:
    return {launcher: make_module_proxy(launcher, *upstream_args(relay)) for launcher in LAUNCHERS}


def test_same_headers_and_log_fields(both: dict[str, Proxy], good_key: str) -> None:
    """The same requests give the same X-Authlens-* headers and log fields under both launchers."""
    bad_key = synthetic_key()
    run_results = exchange(both["authlens"], good_key, bad_key)
    dump_results = exchange(both["mitmdump"], good_key, bad_key)
    assert run_results == dump_results
    causes = [line["cause"] for _, line in run_results]
    assert causes[:5] == [
        None,
        "invalid_api_key",
        "missing_credentials",
        "wrong_auth_scheme",
        "project_mismatch",
    ]


def test_authlens_run_stdout_is_only_json(both: dict[str, Proxy], good_key: str) -> None:
    """`authlens run` prints nothing but JSON objects on stdout; mitmproxy talks on stderr."""
    proxy = both["authlens"]
    exchange(proxy, good_key, synthetic_key())
    lines = [line for line in proxy.stdout().splitlines() if line.strip()]
    assert len(lines) >= len(requests_for("", ""))
    assert all(isinstance(orjson.loads(line), dict) for line in lines)
    assert "listening at" in proxy.stderr()


def exit_code(proxy: Proxy, timeout: float = 60) -> int | None:
    """The exit code, waiting for the exit itself; None if it still runs after `timeout` s."""
    assert proxy.process is not None
    try:
        return proxy.process.wait(timeout)
    except subprocess.TimeoutExpired:
        return None


BAD_FILES = {
    "missing file": (None, "missing.toml"),
    "invalid toml": ("hosts = [\n", "not valid TOML"),
    "unknown key": ("[authlens]\nbogus_setting = 1\n", "bogus_setting"),
    "wrong type": ('[authlens]\nlog_stdout = "maybe"\n', "log_stdout"),
}


@pytest.mark.parametrize("launcher", LAUNCHERS)
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_config_file_stops_startup(
    make_proxy: ProxyFactory, tmp_path: Path, launcher: str, case: str
) -> None:
    """A missing or invalid settings file exits non-zero, naming the file and the field."""
    content, named = BAD_FILES[case]
    path = tmp_path / ("missing.toml" if content is None else "authlens.toml")
    if content is not None:
        path.write_text(content)
    proxy = make_proxy(launcher, "--set", f"authlens_config={path}", start=False)
    code = exit_code(proxy)
    assert code not in (None, 0), f"{launcher} kept running with {case}:\n{proxy.stderr()}"
    output = proxy.stderr() + proxy.stdout()
    assert str(path) in output
    assert named in output


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_bad_hosts_env_stops_startup(make_proxy: ProxyFactory, launcher: str) -> None:
    """An invalid AUTHLENS_HOSTS exits non-zero and names the setting."""
    env = clean_env(AUTHLENS_HOSTS="api.openai.com, not a host")
    proxy = make_proxy(launcher, env=env, start=False)
    code = exit_code(proxy)
    assert code not in (None, 0), f"{launcher} kept running:\n{proxy.stderr()}"
    assert "hosts" in proxy.stderr() + proxy.stdout()
