"""What every security test needs: a proxy with every output on, a raw client, and the check.

A `Run` is one `authlens run` process (upstream mode through the CONNECT relay to the TLS
fake OpenAI) writing stdout, stderr, a log file, a `-w` flow file and a HAR file. `raw`
sends any bytes as a request inside the intercepted TLS tunnel, so header values, paths and
bodies can hold what no HTTP library would send. `leaks` lists the outputs that hold any
8-character window of a key beyond its kind prefix.
"""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mitmproxy import io

from authlens.credentials.keys import kind_prefix
from tests.harness import (
    ENTRY_SCRIPT,
    ConnectRelay,
    Proxy,
    ProxyFactory,
    clean_env,
    key_windows,
    upstream_args,
    wait_for,
)

HOST = "api.openai.com"


@dataclass
class Run:
    proxy: Proxy
    log: Path
    flows: Path
    har: Path

    def stop(self) -> None:
        self.proxy.stop()

    def outputs(self) -> dict[str, str]:
        """Every output of the proxy as text (after `stop`): the flow file flow by flow."""
        texts = {
            "stdout": self.proxy.stdout(),
            "stderr": self.proxy.stderr(),
            "log": self.log.read_text(errors="replace") if self.log.exists() else "",
            "har": self.har.read_text(errors="replace") if self.har.exists() else "",
            "flows": "",
        }
        if self.flows.exists():
            with self.flows.open("rb") as f:
                texts["flows"] = "\n".join(
                    repr(flow.get_state()) for flow in io.FlowReader(f).stream()
                )
        return texts

    def lines(self) -> list[dict[str, Any]]:
        text = self.log.read_text() if self.log.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def line(self, exchange_id: str, timeout: float = 10) -> dict[str, Any]:
        """The one log line of an exchange (fails if there are two)."""
        found = wait_for(
            lambda: [e for e in self.lines() if e.get("id") == exchange_id] or None,
            timeout,
            f"no log line for {exchange_id}:\n{self.proxy.stderr()[-2000:]}",
        )
        assert len(found) == 1, found
        return found[0]


def start(
    make_proxy: ProxyFactory, relay: ConnectRelay, tmp: Path, *args: str, launcher: str = "authlens"
) -> Run:
    log, flows, har = tmp / "authlens.jsonl", tmp / "flows.mitm", tmp / "dump.har"
    proxy = make_proxy(
        launcher,
        *upstream_args(relay),
        "-w",
        str(flows),
        "--set",
        f"hardump={har}",
        "--set",
        f"authlens_log_file={log}",
        *args,
    )
    return Run(proxy, log, flows, har)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names; repeats joined with ", "
    body: bytes


def connect(proxy: Proxy, host: str = HOST, timeout: float = 30) -> ssl.SSLSocket:
    """A TLS connection to `host` through the proxy's CONNECT, trusting its CA."""
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=timeout)
    sock.sendall(f"CONNECT {host}:443 HTTP/1.1\r\nHost: {host}:443\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, f"CONNECT answered {head!r}"
        head += chunk
    assert head.split(b" ", 2)[1] == b"200", head
    context = ssl.create_default_context(cafile=str(proxy.ca_path))
    return context.wrap_socket(sock, server_hostname=host)


def request_bytes(
    method: str, path: bytes, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> bytes:
    lines = [method.encode() + b" " + path + b" HTTP/1.1", b"Host: " + HOST.encode()]
    lines += [name + b": " + value for name, value in headers]
    lines += [b"Content-Length: " + str(len(body)).encode(), b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def raw(
    proxy: Proxy,
    method: str,
    path: bytes,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
) -> Answer:
    """Send exactly these bytes as one request; read the whole answer (Connection: close)."""
    with connect(proxy) as tls:
        tls.sendall(request_bytes(method, path, headers, body))
        data = b""
        while chunk := _recv(tls):
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    fields: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        fields[key] = f"{fields[key]}, {value.strip()}" if key in fields else value.strip()
    return Answer(int(status_line.split()[1]), fields, rest)


def _recv(tls: ssl.SSLSocket) -> bytes:
    try:
        return tls.recv(65536)
    except (ssl.SSLError, ConnectionResetError):
        return b""


def bearer(key: str) -> tuple[bytes, bytes]:
    return (b"Authorization", b"Bearer " + key.encode())


def leaks(outputs: dict[str, str], key: str, prefix: str | None = None) -> list[str]:
    """The outputs holding any 8-character window of `key` beyond its kind prefix."""
    windows = key_windows(key, kind_prefix(key) if prefix is None else prefix)
    return [name for name, text in outputs.items() if any(w in text for w in windows)]


class BareProxy(Proxy):
    """mitmdump without authlens: the baseline the bounded-work tests compare with."""

    def argv(self) -> list[str]:
        argv = super().argv()
        script = argv.index(str(ENTRY_SCRIPT))
        return argv[: script - 1] + argv[script + 1 :]  # without "-s authlens_addon.py"


def bare_proxy(
    relay: ConnectRelay, workdir: Path, confdir: Path, upstream_ca: Path, *args: str
) -> BareProxy:
    return BareProxy(
        launcher="mitmdump",
        args=(*upstream_args(relay), *args),
        workdir=workdir,
        confdir=confdir,
        upstream_ca=upstream_ca,
    )


def peak_rss_kib(proxy: Proxy) -> int:
    """The process's peak resident memory (VmHWM), in KiB."""
    assert proxy.process is not None
    status = Path(f"/proc/{proxy.process.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def curl_without_our_ca(proxy_url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """curl through the proxy, NOT trusting its CA, from a clean environment (10 s at most)."""
    return subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--proxy", proxy_url, *args],
        capture_output=True,
        env=clean_env(),
        timeout=30,
        check=False,
    )
