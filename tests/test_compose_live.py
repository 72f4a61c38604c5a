"""The compose services' commands and environments, run on this machine.

The live tests run on this machine what the containers would run: the image's ENTRYPOINT and
the service's `command` with the image's and the service's environment, then the example
client's image CMD with its service's environment. Container paths become temporary folders
(one per named volume, shared between services as the volume is), the service name
`authlens` becomes 127.0.0.1, container ports become free local ports, and the listen host
0.0.0.0 becomes 127.0.0.1. Only how mitmproxy reaches api.openai.com changes, so nothing
touches the internet: the regular mode is chained (`upstream:`) to a CONNECT relay that
tunnels to the local fake OpenAI (to the client it is the same HTTP proxy: CONNECT, then TLS
with the authlens CA), and the reverse mode targets the fake directly.
"""

from __future__ import annotations

import functools
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme

from authlens.fake_openai import FakeOpenAI
from tests.dockerfiles import (
    AUTHLENS_IMAGE,
    BAD_KEY,
    CA_CERT,
    CLIENT_DOCKERFILE,
    CLIENT_IMAGE,
    CONFDIR,
    ENTRYPOINT,
    GOOD_KEY,
    LOG_FILE,
    copies,
    execute,
    image_env,
    only,
)
from tests.harness import ConnectRelay, wait_for
from tests.keyfactory import leaks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def translate(text: str, paths: Mapping[str, Path], ports: Mapping[int, int]) -> str:
    """`text` from a container, as seen on this machine."""
    text = re.sub(r"(?<=//)authlens(?=:)", "127.0.0.1", text).replace("0.0.0.0", "127.0.0.1")
    text = re.sub(r"(?<![\d.])\d{4,5}(?!\d)", lambda m: str(ports.get(int(m[0]), m[0])), text)
    alternatives = "|".join(re.escape(p) for p in sorted(paths, key=len, reverse=True))
    return re.sub(rf"(?<![\w./-])(?:{alternatives})(?![\w.-])", lambda m: str(paths[m[0]]), text)


@dataclass
class Project:
    """The compose project run here; `volumes` maps each named volume to one folder."""

    services: dict[str, Any]
    volumes: dict[str, Path]
    ports: dict[int, int]
    tmp: Path
    relay: ConnectRelay
    proxy: subprocess.Popen[bytes] | None = None

    def paths(self, service: str) -> dict[str, Path]:
        mounts = self.services[service].get("volumes", [])
        return {v["target"]: self.volumes[v["source"]] for v in mounts}

    def healthcheck(self, paths: Mapping[str, Path] | None = None) -> int:
        test = self.services["authlens"]["healthcheck"]["test"][2:]  # after CMD python
        argv = [translate(a, paths or self.paths("authlens"), self.ports) for a in test]
        return execute([sys.executable, *argv], self.base_env()).returncode

    def start_authlens(self, upstream_ca: Path, fake_port: int) -> None:
        paths = self.paths("authlens")
        argv = [
            translate(a, paths, self.ports)
            for a in ENTRYPOINT + self.services["authlens"]["command"]
        ]
        argv = [
            str(Path(sys.executable).with_name(argv[0])),
            *offline_upstreams(argv[1:], self.relay.port, fake_port),
        ]
        argv += ["--set", f"ssl_verify_upstream_trusted_ca={upstream_ca}"]
        env = image_env(AUTHLENS_IMAGE) | self.services["authlens"]["environment"]
        env = {k: translate(v, paths, self.ports) for k, v in env.items()}
        with (self.tmp / "stdout").open("wb") as out, (self.tmp / "stderr").open("wb") as err:
            self.proxy = subprocess.Popen(argv, env=self.base_env() | env, stdout=out, stderr=err)

    def base_env(self) -> dict[str, str]:
        """Only PATH and HOME: the machine's SSL_CERT_FILE and proxies must not leak in."""
        return {"PATH": os.environ["PATH"], "HOME": str(self.tmp)}

    def running(self) -> bool:
        assert self.proxy is not None
        assert self.proxy.poll() is None, (self.tmp / "stderr").read_text()
        return True

    def run_client(self, service: str, **overrides: str | None) -> subprocess.CompletedProcess[str]:
        """The client image's CMD with the service's environment; None in `overrides` unsets."""
        paths = self.paths(service) | {"/tmp": self.tmp / service}  # the container's own /tmp
        (self.tmp / service).mkdir(exist_ok=True)
        paths |= {dest: CLIENT_DOCKERFILE.parent / src[0] for src, dest in copies(CLIENT_IMAGE)}
        env = {
            k: translate(v, paths, self.ports)
            for k, v in self.services[service]["environment"].items()
        }
        env = {k: v for k, v in (env | overrides).items() if v is not None}
        argv = [translate(a, paths, self.ports) for a in only(CLIENT_IMAGE, "CMD").exec_form()]
        assert self.running()
        return execute([sys.executable, *argv[1:]], self.base_env() | env)


def offline_upstreams(argv: list[str], relay: int, fake: int) -> list[str]:
    """Reach the fake instead of api.openai.com; the listen ports and all else stay."""
    rewrites = {
        r"regular@(\d+)": rf"upstream:http://127.0.0.1:{relay}@\1",
        r"reverse:https://api\.openai\.com@(\d+)": rf"reverse:https://127.0.0.1:{fake}@\1",
    }
    swapped = list(argv)
    for pattern, replacement in rewrites.items():
        (n,) = [n for n, a in enumerate(argv) if re.fullmatch(pattern, a)]
        swapped[n] = re.sub(pattern, replacement, argv[n])
    return swapped


@pytest.fixture(scope="module")
def project(
    services: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Project]:
    tmp = tmp_path_factory.mktemp("project")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp / "upstream-ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("api.openai.com", "127.0.0.1").configure_cert(context)
    volumes = {name: tmp / name for name in ("authlens-ca", "authlens-logs")}
    for folder in volumes.values():
        folder.mkdir()
    with FakeOpenAI([GOOD_KEY], ssl_context=context) as fake:
        relay = ConnectRelay(fake.port)
        p = Project(services, volumes, {8080: free_port(), 8081: free_port()}, tmp, relay)
        assert p.healthcheck() != 0  # nothing listens yet, no CA
        p.start_authlens(tmp / "upstream-ca.pem", fake.port)
        try:
            deadline = time.monotonic() + 30  # compose's start_period, and more
            while p.running() and p.healthcheck() != 0:
                assert time.monotonic() < deadline, (tmp / "stderr").read_text()
                time.sleep(0.2)
            yield p
        finally:
            assert p.proxy is not None
            p.proxy.terminate()
            p.proxy.wait(10)
            relay.close()


def log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def logged(path: Path, exchange_id: str) -> list[dict[str, Any]] | None:
    """The log's lines once the one for `exchange_id` is there, else None."""
    lines = log_lines(path) if path.exists() else []
    return lines if any(line["id"] == exchange_id for line in lines) else None


@pytest.mark.e2e
def test_healthcheck_fails_without_the_ca_file(project: Project) -> None:
    """With the proxy up, the check passes only while the CA file is where it looks."""
    assert project.healthcheck() == 0
    elsewhere = project.paths("authlens") | {CONFDIR: project.tmp / "no-ca-here"}
    assert project.healthcheck(elsewhere) != 0


@pytest.mark.e2e
def test_ca_volume_gives_clients_the_certificate_not_the_key(project: Project) -> None:
    """mitmproxy wrote its CA where the clients mount it; only its owner can read the key."""
    ca_folder = project.volumes["authlens-ca"]
    assert (ca_folder / CA_CERT).stat().st_mode & 0o004
    assert (ca_folder / "mitmproxy-ca.pem").stat().st_mode & 0o077 == 0


@pytest.mark.e2e
def test_regular_mode_client_goes_through_the_proxy(project: Project) -> None:
    """HTTPS_PROXY and the CA bundle work; authlens asked for api.openai.com:443 upstream."""
    result = project.run_client("client")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: 3 models")
    assert "api.openai.com:443" in project.relay.authorities


@pytest.mark.e2e
def test_regular_mode_client_needs_the_authlens_ca(project: Project) -> None:
    """Without the bundle the client refuses the proxy's certificate: it really intercepts."""
    result = project.run_client("client", PROXY_CA_CERT=None, SSL_CERT_FILE=None)
    assert result.returncode == 1
    assert "CERTIFICATE_VERIFY_FAILED" in result.stdout


@pytest.mark.e2e
def test_reverse_mode_client_needs_no_ca(project: Project) -> None:
    """OPENAI_BASE_URL=http://authlens:8081/v1 alone reaches the upstream through authlens."""
    result = project.run_client("client-reverse")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: 3 models")


@pytest.mark.e2e
@pytest.mark.parametrize("service", ["client", "client-reverse"])
def test_diagnosis_reaches_the_client_and_both_logs(project: Project, service: str) -> None:
    """A rejected key: the client shows cause and hint; stdout and the log volume log it."""
    result = project.run_client(service, OPENAI_API_KEY=BAD_KEY)
    assert result.returncode == 1, result.stdout + result.stderr
    shown = re.match(
        r"error 401: cause=invalid_api_key id=(\S+)\n.*\[authlens: ", result.stdout, re.S
    )
    assert shown, result.stdout
    log_file = Path(translate(LOG_FILE, project.paths("authlens"), project.ports))
    for path in (project.tmp / "stdout", log_file):
        # The file is written by the proxy's writer thread: give it a moment.
        lines = wait_for(
            functools.partial(logged, path, shown[1]), 5, f"no line for {shown[1]} in {path}"
        )
        (line,) = [line for line in lines if line["id"] == shown[1]]
        assert (line["status"], line["cause"]) == (401, "invalid_api_key")
        assert not leaks(json.dumps(lines), BAD_KEY, "sk-proj-")


@pytest.mark.e2e
def test_readme_recipe_tails_the_compose_logs(project: Project) -> None:
    """`docker compose logs -f authlens | authlens tail -`: prefixed lines still read as events."""
    result = project.run_client("client", OPENAI_API_KEY=BAD_KEY)
    exchange = re.search(r"id=(\S+)", result.stdout)
    assert exchange, result.stdout
    wait_for(lambda: logged(project.tmp / "stdout", exchange[1]), 5, "the line was not logged")
    logs = "".join(
        f"authlens-1  | {line}\n" for line in (project.tmp / "stdout").read_text().splitlines()
    )
    tail = Path(sys.executable).with_name("authlens")
    shown = subprocess.run(
        [tail, "tail", "-"], input=logs, capture_output=True, text=True, timeout=60, check=False
    )
    assert shown.returncode == 0, shown.stderr
    (line,) = [line for line in shown.stdout.splitlines() if exchange[1] in line]
    assert "invalid_api_key" in line
