"""End-to-end harness: a test CA, a CONNECT relay, proxy processes and a curl wrapper.

The path a regular-mode client takes, with no DNS and no internet:
client -(HTTPS_PROXY)-> proxy (`--mode upstream:http://127.0.0.1:<relay>`) -(CONNECT
api.openai.com:443)-> relay -> the TLS fake OpenAI, whose certificate (from our trustme CA)
covers api.openai.com. mitmproxy verifies it with `ssl_verify_upstream_trusted_ca`.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openai
import orjson
import trustme

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent  # the venv running the tests (.venv, .venv-3.12, ...)
ENTRY_SCRIPT = REPO / "addons" / "authlens_addon.py"
READY_MARKER = Path(__file__).with_name("ready_marker.py")
UPSTREAM_IDENTITIES = ("api.openai.com", "*.openai.azure.com", "localhost", "127.0.0.1")
LAUNCHERS = ("mitmdump", "authlens")
_LISTENING = re.compile(r"listening at (?:\*|[0-9.]+|\[[0-9a-f:]*\]):(\d+)")
# Variables that would redirect or re-trust a client or mitmproxy behind our back.
_AMBIENT = re.compile(
    r"(?i)^(https?_proxy|all_proxy|no_proxy|ssl_cert_(file|dir)|requests_ca_bundle|curl_ca_bundle"
    r"|openai_.*|authlens_.*)$"
)


def synthetic_key(prefix: str = "sk-proj-") -> str:
    """A random key of OpenAI's project-key shape, built in code (never a real secret)."""
    half = lambda: secrets.token_urlsafe(64)[:74]  # noqa: E731
    return f"{prefix}{half()}T3Blbk" + "FJ" + half()


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without proxy, CA, OpenAI and authlens variables."""
    env = {k: v for k, v in os.environ.items() if not _AMBIENT.match(k)}
    env.update(extra)
    return env


class TestAuthority:
    """A trustme CA, its PEM on disk, and TLS contexts for the fake upstream."""

    def __init__(self, directory: Path) -> None:
        self.ca = trustme.CA()
        self.pem = directory / "test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.pem))

    def server_context(self, *identities: str) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert(*(identities or UPSTREAM_IDENTITIES)).configure_cert(context)
        return context


class ConnectRelay:
    """Answers any CONNECT with 200 and pipes the tunnel to one fixed target port."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.authorities: list[str] = []  # every CONNECT target asked for
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._closed = False
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, name="connect-relay", daemon=True).start()

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._tunnel, args=(client,), daemon=True).start()

    def _tunnel(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            data = client.recv(4096)
            if not data:
                client.close()
                return
            head += data
        request_line, _, rest = head.partition(b"\r\n")
        self.authorities.append(request_line.split()[1].decode())
        upstream = socket.create_connection(self.target)
        self._sockets += [client, upstream]
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        early = rest.partition(b"\r\n\r\n")[2]  # bytes the client sent after the CONNECT head
        if early:
            upstream.sendall(early)
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
        _pipe(client, upstream)


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


class ProxyStartError(RuntimeError):
    """The proxy exited (or never listened); the message carries its stderr."""


@dataclass
class Proxy:
    """One mitmdump or `authlens run` process with its output captured to files."""

    launcher: str  # "mitmdump" (-s addons/authlens_addon.py) or "authlens" (authlens run)
    args: Sequence[str]
    workdir: Path
    confdir: Path
    upstream_ca: Path
    env: dict[str, str] = field(default_factory=clean_env)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    # Not the test runner's own stdin: a terminal there would make every proxy "interactive".
    stdin: int = subprocess.DEVNULL

    @property
    def stdout_path(self) -> Path:
        return self.workdir / "stdout.txt"

    @property
    def stderr_path(self) -> Path:
        return self.workdir / "stderr.txt"

    @property
    def ready_path(self) -> Path:
        """Written by tests/ready_marker.py once startup passed mitmproxy's last error check."""
        return self.workdir / "ready"

    @property
    def ca_path(self) -> Path:
        """The mitmproxy CA clients must trust."""
        return self.confdir / "mitmproxy-ca-cert.pem"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, timeout: float = 20, **kwargs: Any) -> httpx.Client:
        """An httpx client through this proxy, trusting its CA and nothing from the environment."""
        trust = ssl.create_default_context(cafile=str(self.ca_path))
        return httpx.Client(
            proxy=self.url, verify=trust, trust_env=False, timeout=timeout, **kwargs
        )

    def openai(self, key: str, timeout: float = 20) -> openai.OpenAI:
        """The openai SDK through this proxy (no retries: each call is one exchange)."""
        return openai.OpenAI(api_key=key, max_retries=0, http_client=self.client(timeout))

    def argv(self) -> list[str]:
        common = [
            "--listen-host",
            "127.0.0.1",
            "-p",
            "0",
            "--set",
            f"confdir={self.confdir}",
            "--set",
            f"ssl_verify_upstream_trusted_ca={self.upstream_ca}",
            "-s",
            str(READY_MARKER),
            "--set",
            f"harness_ready_file={self.ready_path}",
            *self.args,
        ]
        if self.launcher == "mitmdump":
            return [str(VENV_BIN / "mitmdump"), "-s", str(ENTRY_SCRIPT), *common]
        return [str(VENV_BIN / "authlens"), "run", *common]

    def launch(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.ready_path.unlink(missing_ok=True)  # a restart in the same folder must not see it
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                self.argv(),
                stdin=self.stdin,
                stdout=out,
                stderr=err,
                env=self.env,
                cwd=self.workdir,
            )

    def start(self, timeout: float = 20) -> Proxy:
        """Launch and wait until it is up; raises ProxyStartError if it exits first."""
        self.launch()
        return self.await_ready(timeout)

    def await_ready(self, timeout: float = 20) -> Proxy:
        """Wait until the launched process is up; raises ProxyStartError if it is not."""
        if self.wait_exit(timeout) is None and self.ready_path.exists():
            return self
        self.stop()
        raise ProxyStartError(f"proxy did not start: {self.argv()}\n{self.stderr()}")

    def wait_exit(self, timeout: float = 15) -> int | None:
        """The exit code, or None once startup succeeded (or still undecided after `timeout` s).

        Success is the ready file, written after mitmproxy's last startup error check; the
        port is read from "listening at", printed before it.
        """
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (code := self.process.poll()) is not None:
                return code
            if self.ready_path.exists():
                match = _LISTENING.search(self.stdout() + self.stderr())
                assert match, f"ready but no 'listening at' line:\n{self.stderr()}"
                self.port = int(match[1])
                return None
            time.sleep(0.02)
        return None

    def stop(self) -> None:
        """SIGTERM (mitmproxy runs its `done` hooks: HAR dump, flow file), then SIGKILL."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON objects printed on stdout (mitmdump's own lines are skipped)."""
        lines = []
        for line in self.stdout().splitlines():
            if line.startswith("{"):
                lines.append(orjson.loads(line))
        return lines

    def log_line(self, exchange_id: str, timeout: float = 10) -> dict[str, Any]:
        """The log line of one exchange, waiting for it to be written."""
        return wait_for(
            lambda: next((e for e in self.log_lines() if e.get("id") == exchange_id), None),
            timeout,
            f"no log line with id {exchange_id}; stdout:\n{self.stdout()[-3000:]}",
        )


def wait_for[T](probe: Callable[[], T | None], timeout: float, message: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := probe()) is not None:
            return value
        time.sleep(0.05)
    raise AssertionError(message)


ProxyFactory = Callable[..., Proxy]


def listening_port(
    process: subprocess.Popen[Any],
    output: Path,
    timeout: float = 60,
    says: re.Pattern[str] = _LISTENING,
) -> int:
    """The port a server started on port 0 says it listens on, in `output`.

    The server picks the port itself, so no other process can take it between a test choosing
    a "free" port and the server binding it. `says` finds the port (group 1) in what the
    server prints; mitmproxy's "listening at" by default.
    """

    def reported() -> int | None:
        text = output.read_text(errors="replace") if output.exists() else ""
        assert process.poll() is None, f"{process.args!r} exited:\n{text}"
        match = says.search(text)
        return int(match[1]) if match else None

    return wait_for(reported, timeout, f"{process.args!r} did not say where it listens")


def upstream_args(relay: ConnectRelay) -> tuple[str, ...]:
    """mitmproxy arguments that chain the proxy to the relay (and so to the fake)."""
    return ("--mode", f"upstream:http://127.0.0.1:{relay.port}")


@contextlib.contextmanager
def running(proxy: Proxy) -> Iterator[Proxy]:
    try:
        yield proxy.start()
    finally:
        proxy.stop()


@dataclass(frozen=True)
class CurlResult:
    status: int
    headers: dict[str, str]  # lower-case names, of the final response
    body: bytes
    returncode: int
    stderr: str


def curl(proxy: Proxy, url: str, *args: str, tmp: Path, via_proxy: bool = True) -> CurlResult:
    """Run curl (through the proxy, trusting its CA) and parse the final response."""
    headers_file, body_file = tmp / "curl-headers.txt", tmp / "curl-body.bin"
    routing = ["--proxy", proxy.url] if via_proxy else []
    command = [
        "curl",
        "-sS",
        "--max-time",
        "20",
        "--cacert",
        str(proxy.ca_path),
        *routing,
        "-D",
        str(headers_file),
        "-o",
        str(body_file),
        *args,
        url,
    ]
    done = subprocess.run(command, capture_output=True, env=clean_env(), timeout=30, check=False)
    status, headers = 0, {}
    if headers_file.exists():
        # With a proxy, curl also writes the CONNECT answer's head: keep the last block.
        text = headers_file.read_bytes().decode("latin-1").replace("\r\n", "\n")
        first, *rest = text.strip().split("\n\n")[-1].split("\n")
        status = int(first.split()[1])
        for line in rest:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = body_file.read_bytes() if body_file.exists() else b""
    return CurlResult(status, headers, body, done.returncode, done.stderr.decode(errors="replace"))


def key_windows(key: str, kind_prefix: str, width: int = 8) -> set[str]:
    """Every `width`-character window of `key` that is not entirely inside its kind prefix."""
    return {key[i : i + width] for i in range(len(key) - width + 1) if i + width > len(kind_prefix)}


def our_tracebacks(stderr: str) -> list[str]:
    """The tracebacks in a proxy's stderr, less asyncio's own cancellation at shutdown.

    On Python 3.12.1, asyncio's stream callback can log "Exception in callback ...
    streams.py" with a CancelledError traceback when mitmproxy cancels a client's task while
    stopping: no frame of ours, nothing of the exchange. Every other traceback counts.
    """
    found = []
    lines = stderr.splitlines()
    for start, line in enumerate(lines):
        if not line.lstrip().startswith("Traceback (most recent call last):"):
            continue
        end = start + 1
        while end < len(lines) and (lines[end][:1].isspace() or not lines[end]):
            end += 1
        block = "\n".join(lines[start : end + 1])
        last = lines[end].strip() if end < len(lines) else ""
        asyncio_cancel = last == "asyncio.exceptions.CancelledError" and "authlens" not in block
        if not asyncio_cancel:
            found.append(block)
    return found
