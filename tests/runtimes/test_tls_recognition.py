"""client_tls_failed with real runtimes that do not trust the CA: the hint names the runtime
(from the CONNECT and the ClientHello: most send no user agent) and its variable, with the
running confdir's files; wget, which refuses after the handshake, is logged too."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from authlens.tools.runtimes_canary import command_for
from tests.harness import ConnectRelay, Proxy, ProxyFactory, upstream_args, wait_for
from tests.runtimes.support import base_path, need, node_bin, user_env

pytestmark = pytest.mark.e2e
URL = "https://api.openai.com/v1/models"

# (runtime, client, commands, the runtime named in the hint, a variable the hint names)
CASES = [
    ("python", "requests", (), "Python", "REQUESTS_CA_BUNDLE"),
    ("python", "urllib", (), "Python", "SSL_CERT_FILE"),
    ("node", "https", (), "Node", "NODE_EXTRA_CA_CERTS"),
    ("node", "fetch", (), "Node", "NODE_EXTRA_CA_CERTS"),
    ("java", "httpclient", ("java",), "Java", "javax.net.ssl.trustStore"),
    ("go", "net/http", ("go",), "Go", "SSL_CERT_FILE"),
    ("php", "curl", ("php",), "curl or PHP's curl extension", "curl.cainfo"),
    ("php", "streams", ("php",), "PHP", "openssl.cafile"),
    ("ruby", "net/http", ("ruby",), "Ruby", "SSL_CERT_FILE"),
    ("curl", "curl", ("curl",), "curl", "CURL_CA_BUNDLE"),
    ("wget", "wget", ("wget",), "wget", "ca_certificate"),
]


@pytest.fixture(scope="module")
def proxy(make_module_proxy: ProxyFactory, relay: ConnectRelay) -> Proxy:
    return make_module_proxy("mitmdump", *upstream_args(relay))


def refused(proxy: Proxy, seen: int) -> dict[str, Any]:
    def new_line() -> dict[str, Any] | None:
        lines = [ln for ln in proxy.log_lines() if ln["cause"] == "client_tls_failed"]
        return lines[seen] if len(lines) > seen else None

    return wait_for(new_line, 20, "no client_tls_failed line")


@pytest.mark.parametrize(
    ("runtime", "client", "commands", "label", "variable"),
    CASES,
    ids=[f"{c[0]}-{c[1]}" for c in CASES],
)
def test_hint_names_the_runtime(
    proxy: Proxy,
    tmp_path: Path,
    runtime: str,
    client: str,
    commands: tuple[str, ...],
    label: str,
    variable: str,
) -> None:
    need(*commands)
    first = (node_bin("22.21.1"),) if runtime == "node" else ()
    host, port = "127.0.0.1", str(proxy.port)
    env = user_env(
        tmp_path,
        base_path(*first),
        HTTPS_PROXY=proxy.url,
        https_proxy=proxy.url,
        http_proxy=proxy.url,
        NODE_USE_ENV_PROXY="1",
        JAVA_TOOL_OPTIONS=f"-Dhttps.proxyHost={host} -Dhttps.proxyPort={port}",
    )
    if runtime == "php" and client == "streams":
        env["PHP_INI_SCAN_DIR"] = ":" + str(stream_proxy_ini(tmp_path, port))
    seen = len([ln for ln in proxy.log_lines() if ln["cause"] == "client_tls_failed"])

    command = command_for(runtime, client, tmp_path, URL, env["PATH"])
    subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=120, check=False)
    line = refused(proxy, seen)
    assert f"looks like {label}:" in line["hint"]
    assert variable in line["hint"]
    assert str(proxy.confdir) in line["hint"]
    assert "~/.mitmproxy" not in line["hint"]


def stream_proxy_ini(tmp_path: Path, port: str) -> Path:
    """PHP streams ignore HTTPS_PROXY: the app's own default context, as an ini prepend."""
    folder = tmp_path / "php"
    folder.mkdir()
    prepend = folder / "prepend.php"
    prepend.write_text(
        f"<?php stream_context_set_default(['http' => ['proxy' => 'tcp://127.0.0.1:{port}']]);\n"
    )
    (folder / "proxy.ini").write_text(f'auto_prepend_file = "{prepend}"\n')
    return folder
