"""`authlens env` as a subprocess: the printed lines really make Python, curl and Node trust the
CA, without breaking the system roots (SSL_CERT_FILE replaces the trust store)."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.cli import AUTHLENS, authlens, clean_env
from tests.runtimes.support import base_path, need, node_bin


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def confdir(tmp_path: Path, ca: trustme.CA) -> Path:
    """A mitmproxy confdir whose CA is a trustme CA (the proxy is not needed for trust)."""
    path = tmp_path / "mitmproxy"
    path.mkdir()
    ca.cert_pem.write_to_path(str(path / "mitmproxy-ca-cert.pem"))
    return path


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[int]:
    """An HTTPS server on 127.0.0.1 whose certificate the CA signed (like mitmproxy's)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)

    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-length", "5")
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_missing_ca_says_what_to_do(tmp_path: Path) -> None:
    """No CA yet: exit 1, tell to start the proxy once, and offer reverse mode."""
    result = authlens("env", "--confdir", str(tmp_path / "empty"), env=clean_env(tmp_path))
    assert result.returncode == 1
    assert "no mitmproxy CA in" in result.stderr
    assert "authlens run" in result.stderr
    assert "OPENAI_BASE_URL=http://127.0.0.1:8080/v1" in result.stderr
    assert result.stdout == ""


def test_bundle_has_system_roots_and_the_ca(tmp_path: Path, confdir: Path, ca: trustme.CA) -> None:
    """The bundle is the base trust store plus the CA, once, however often env runs."""
    base = tmp_path / "roots.pem"
    base.write_bytes(trustme.CA().cert_pem.bytes())
    env = clean_env(tmp_path, SSL_CERT_FILE=str(base))
    for _ in range(2):
        assert authlens("env", "--confdir", str(confdir), env=env).returncode == 0
    bundle = (confdir / "authlens-ca-bundle.pem").read_bytes()
    assert bundle.startswith(base.read_bytes().rstrip())
    assert bundle.count(ca.cert_pem.bytes().strip()) == 1


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        ("bash", "export SSL_CERT_FILE='{bundle}'"),
        ("zsh", "export REQUESTS_CA_BUNDLE='{bundle}'"),
        ("fish", "set -gx CURL_CA_BUNDLE '{bundle}'"),
        ("powershell", "$env:NODE_EXTRA_CA_CERTS = '{ca}'"),
        ("dotenv", "NODE_USE_ENV_PROXY=1"),
    ],
)
def test_shell_syntax(tmp_path: Path, confdir: Path, shell: str, expected: str) -> None:
    """Each shell gets its own syntax; proxy lines and the reverse-mode alternative are there."""
    result = authlens(
        "env",
        "--confdir",
        str(confdir),
        "--shell",
        shell,
        "--proxy",
        "http://127.0.0.1:9090",
        env=clean_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    bundle, cert = confdir / "authlens-ca-bundle.pem", confdir / "mitmproxy-ca-cert.pem"
    assert expected.format(bundle=bundle, ca=cert) in result.stdout.splitlines()
    assert "HTTPS_PROXY" in result.stdout
    assert "http://127.0.0.1:9090/v1" in result.stdout  # reverse mode on the same port
    assert "authlens run --mode reverse:https://api.openai.com -p 9090" in result.stdout


def runtime_checks(port: int) -> list[str]:
    url = f"https://127.0.0.1:{port}/"
    checks = [
        f"{sys.executable} -c \"import httpx; print('httpx', httpx.get('{url}').text)\"",
        f'{sys.executable} -c "import urllib.request as u; '
        f"print('urllib', u.urlopen('{url}').read().decode())\"",
    ]
    if shutil.which("curl"):
        checks.append(f"printf 'curl '; curl -sS {url}; echo")
    if shutil.which("node"):
        checks.append(
            "node -e \"require('https').get('" + url + "', r => r.on('data', "
            "d => console.log('node', String(d))))\""
        )
    return checks


def test_eval_makes_python_curl_and_node_trust_the_ca(
    tmp_path: Path, confdir: Path, tls_server: int
) -> None:
    """eval "$(authlens env)" in bash, then real clients reach a server the CA signed."""
    checks = runtime_checks(tls_server)
    script = f'eval "$(authlens env --confdir {confdir} --shell bash)" && ' + " && ".join(checks)
    env = clean_env(tmp_path, PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin")
    result = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    answers = result.stdout.split("\n")
    assert [a.split(" ")[1] for a in answers if a] == ["hello"] * len(checks)


def test_without_the_lines_the_same_clients_fail(tmp_path: Path, tls_server: int) -> None:
    """The control: the system roots alone do not trust the CA."""
    check = runtime_checks(tls_server)[0]
    env = clean_env(tmp_path, PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin")
    result = subprocess.run(
        ["bash", "-c", check], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr


def test_syntax_follows_the_running_shell_not_dollar_shell(tmp_path: Path, confdir: Path) -> None:
    """SHELL names fish, but bash runs the eval: bash lines, no `set: -g: invalid option`."""
    script = f'eval "$({AUTHLENS} env --confdir {confdir})" && echo "$HTTPS_PROXY $https_proxy"'
    env = clean_env(tmp_path, SHELL="/usr/bin/fish")
    result = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "invalid option" not in result.stderr
    assert result.stdout.split() == ["http://127.0.0.1:8080"] * 2


def test_unset_restores_the_shell(tmp_path: Path, confdir: Path) -> None:
    """env then env --unset: the corporate proxy and NO_PROXY are back, our variables gone."""
    script = (
        f'eval "$({AUTHLENS} env --confdir {confdir})" && '
        f'eval "$({AUTHLENS} env --confdir {confdir})" && '  # twice: the first state is kept
        f'eval "$({AUTHLENS} env --unset)" && '
        'echo "[$https_proxy] [$NO_PROXY] [${SSL_CERT_FILE-unset}] [${AUTHLENS_ENV_SAVED-unset}]"'
    )
    env = clean_env(tmp_path, https_proxy="http://corp.example:3128", NO_PROXY="intranet")
    result = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[http://corp.example:3128] [intranet] [unset] [unset]"
    assert "https_proxy was http://corp.example:3128" in result.stderr
    assert "--mode upstream:http://corp.example:3128" in result.stderr


def test_messages_name_the_command_as_invoked(tmp_path: Path) -> None:
    """From a clone (bin/authlens sets AUTHLENS_PROG) the advice says bin/authlens."""
    result = authlens(
        "env",
        "--confdir",
        str(tmp_path / "none"),
        env=clean_env(tmp_path, AUTHLENS_PROG="bin/authlens"),
    )
    assert "Run 'bin/authlens run -p 8080' once, then 'bin/authlens env' again" in result.stderr


def test_help_does_not_send_host_paths_into_containers(tmp_path: Path) -> None:
    """The dotenv example is for this machine; containers are pointed at compose instead."""
    result = authlens("env", "--help", env=clean_env(tmp_path))
    assert "docker compose" not in result.stdout.replace("docker-compose.yml", "")
    assert "not for containers" in result.stdout


def test_files_for_java_wget_and_php(tmp_path: Path, confdir: Path, ca: trustme.CA) -> None:
    """A truststore keytool can read with the CA in it, a wgetrc keeping the user's own
    settings, a PHP ini scan dir that keeps PHP's own (leading ':')."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".wgetrc").write_text("timeout = 7\n")
    result = authlens("env", "--confdir", str(confdir), env=clean_env(home))
    assert result.returncode == 0, result.stderr
    lines = dict(
        line.removeprefix("export ").split("=", 1)
        for line in result.stdout.splitlines()
        if line.startswith("export ")
    )
    need("keytool", "wget", "php")
    store = confdir / "authlens-truststore.p12"
    assert f"-Djavax.net.ssl.trustStore={store}" in lines["JAVA_TOOL_OPTIONS"]
    listed = subprocess.run(
        [
            "keytool",
            "-list",
            "-keystore",
            str(store),
            "-storepass",
            "changeit",
            "-alias",
            "authlens-mitmproxy-ca",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "trustedCertEntry" in listed.stdout
    rc = (confdir / "authlens-wgetrc").read_text()
    assert rc.startswith("timeout = 7\n")
    assert f"ca_certificate = {confdir / 'authlens-ca-bundle.pem'}" in rc
    assert lines["PHP_INI_SCAN_DIR"] == f"':{confdir / 'authlens-php'}'"


def test_old_node_is_said_plainly_on_stderr(tmp_path: Path, confdir: Path) -> None:
    """Node 20 on PATH: stderr says its requests will not reach authlens, and what to do."""

    env = clean_env(tmp_path, PATH=base_path(node_bin("20.20.2")))
    result = authlens("env", "--confdir", str(confdir), env=env)
    assert "Node 20.20.2 on PATH ignores HTTPS_PROXY" in result.stderr
    assert "EnvHttpProxyAgent" in result.stderr
    assert "OPENAI_BASE_URL=http://127.0.0.1:8080/v1" in result.stderr
