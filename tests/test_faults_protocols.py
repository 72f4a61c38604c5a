"""HTTP/2, websocket handshakes and connections that break mid-stream, through a real proxy.

Broken connections need an upstream that misbehaves on purpose: `BreakingUpstream` (plain
HTTP on 127.0.0.1, reached in reverse mode) sends part of an answer and then resets or closes.
"""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from authlens.fake_openai import FakeOpenAI
from tests.harness import (
    ConnectRelay,
    Proxy,
    ProxyFactory,
    clean_env,
    our_tracebacks,
    synthetic_key,
    upstream_args,
    wait_for,
)

pytestmark = pytest.mark.e2e
API = "https://api.openai.com"
CHAT = b'{"model": "gpt-4o-mini", "stream": true, "messages": []}'
END_PATH = "/v1/authlens-test-end"


@pytest.fixture(scope="module")
def proxy(make_module_proxy: ProxyFactory, relay: ConnectRelay) -> Proxy:
    return make_module_proxy("mitmdump", *upstream_args(relay))


def client_for(proxy: Proxy, **kwargs: Any) -> httpx.Client:
    return proxy.client(**kwargs)


def lines_for(proxy: Proxy, exchange_id: str) -> list[dict[str, Any]]:
    """The lines of one exchange, once a later exchange's line (the end marker) is there too."""
    proxy.log_line(exchange_id)
    with client_for(proxy) as client:
        marker = client.get(f"{API}/v1/models").headers["x-authlens-id"]
    proxy.log_line(marker)
    return [e for e in proxy.log_lines() if e.get("id") == exchange_id]


@pytest.fixture(scope="module")
def h2_proxy(make_module_proxy: ProxyFactory, relay: ConnectRelay) -> Proxy:
    """A proxy that negotiates HTTP/2 with its clients although the fake speaks HTTP/1.1.

    With the default eager strategy mitmproxy mirrors the upstream's ALPN (the fake has none;
    api.openai.com offers h2); lazily it picks h2 for the client and translates upstream.
    """
    return make_module_proxy("mitmdump", *upstream_args(relay), "--set", "connection_strategy=lazy")


def curl_http2(proxy: Proxy, tmp: Path, path: str, *args: str) -> tuple[str, dict[str, str], bytes]:
    """curl --http2 through `proxy`: (HTTP version, response headers, body).

    curl rather than httpx: httpx offers ALPN http/1.1 before h2 and mitmproxy honours the
    client's order; with http1=False httpx speaks HTTP/2 to the proxy itself, which
    mitmproxy refuses (see the prior-knowledge test below).
    """
    head, body = tmp / "head.txt", tmp / "body.bin"
    command = [
        "curl",
        "-sS",
        "--http2",
        "--max-time",
        "20",
        "--cacert",
        str(proxy.ca_path),
        "--proxy",
        proxy.url,
        "-D",
        str(head),
        "-o",
        str(body),
        "-w",
        "%{http_version}",
        *args,
        f"{API}{path}",
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, env=clean_env(), timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    block = head.read_text().replace("\r\n", "\n").strip().split("\n\n")[-1]
    headers = {}
    for line in block.split("\n")[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return done.stdout, headers, body.read_bytes()


def test_http2_client_is_diagnosed(h2_proxy: Proxy, tmp_path: Path, good_key: str) -> None:
    """An HTTP/2 client gets the same headers, annotated body and one line per exchange."""
    version, bad, body = curl_http2(
        h2_proxy, tmp_path, "/v1/models", "-H", f"Authorization: Bearer {synthetic_key()}"
    )
    assert version == "2"
    assert bad["x-authlens-cause"] == "invalid_api_key"
    assert b"[authlens:" in body
    version, good, _ = curl_http2(
        h2_proxy, tmp_path, "/v1/models", "-H", f"Authorization: Bearer {good_key}"
    )
    assert version == "2"
    assert "x-authlens-cause" not in good
    for headers, status in ((bad, 401), (good, 200)):
        (line,) = lines_for(h2_proxy, headers["x-authlens-id"])
        assert line["status"] == status


def test_http2_stream_arrives_and_is_logged_once(
    h2_proxy: Proxy, tmp_path: Path, good_key: str
) -> None:
    """A streamed completion over HTTP/2 arrives whole, carries its id, and is logged once."""
    version, headers, body = curl_http2(
        h2_proxy,
        tmp_path,
        "/v1/chat/completions",
        "-H",
        f"Authorization: Bearer {good_key}",
        "-H",
        "content-type: application/json",
        "--data-binary",
        CHAT.decode(),
    )
    assert version == "2"
    assert body.count(b"data: ") == 6
    assert body.endswith(b"data: [DONE]\n\n")
    (line,) = lines_for(h2_proxy, headers["x-authlens-id"])
    assert line["stream"] is True
    assert line["cause"] is None


def test_http2_prior_knowledge_to_forward_proxy_is_logged_without_blame(
    proxy: Proxy, good_key: str
) -> None:
    """mitmproxy kills an HTTP/2 prior-knowledge proxy request: logged, but no request cause."""
    context = ssl.create_default_context(cafile=str(proxy.ca_path))
    with (
        httpx.Client(
            proxy=proxy.url, verify=context, http1=False, http2=True, trust_env=False
        ) as c,
        pytest.raises(httpx.HTTPError),  # the proxy hangs up
    ):
        c.get(f"{API}/v1/models")
    line = wait_for(
        lambda: next((e for e in proxy.log_lines() if e["method"] == "PRI"), None),
        10,
        proxy.stdout() + proxy.stderr(),
    )
    assert line["status"] is None
    assert line["level"] == "error"
    assert line["cause"] is None  # not missing_credentials: nothing was sent upstream


def websocket_headers() -> dict[str, str]:
    return {
        "connection": "Upgrade",
        "upgrade": "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": base64.b64encode(os.urandom(16)).decode(),
        "openai-beta": "realtime=v1",
    }


@pytest.mark.parametrize(
    ("auth", "cause"),
    [
        (lambda k: f"Bearer {synthetic_key()}", "invalid_api_key"),
        (lambda k: None, "missing_credentials"),
    ],
    ids=["bad-key", "no-key"],
)
def test_realtime_websocket_handshake_refused_is_diagnosed(
    proxy: Proxy, good_key: str, auth: Any, cause: str
) -> None:
    """GET /v1/realtime with Upgrade: websocket refused with 401 is diagnosed like any request."""
    headers = websocket_headers()
    if (value := auth(good_key)) is not None:
        headers["authorization"] = value
    with client_for(proxy) as client:
        response = client.get(f"{API}/v1/realtime?model=gpt-4o-realtime-preview", headers=headers)
    assert response.status_code == 401
    assert response.headers["x-authlens-cause"] == cause
    (line,) = lines_for(proxy, response.headers["x-authlens-id"])
    assert line["path"].startswith("/v1/realtime")
    assert line["cause"] == cause


def test_client_disconnecting_mid_stream(proxy: Proxy, good_key: str, fake: FakeOpenAI) -> None:
    """The client reads one event and hangs up: one error line, the proxy keeps serving."""
    headers = {
        "authorization": f"Bearer {good_key}",
        "content-type": "application/json",
        "x-fake-stream-chunks": "20",
        "x-fake-stream-delay": "0.2",
    }
    with (
        client_for(proxy) as client,
        client.stream("POST", f"{API}/v1/chat/completions", content=CHAT, headers=headers) as r,
    ):
        next(r.iter_raw())
        exchange_id = r.headers["x-authlens-id"]
        # Leaving the block closes the half-read connection.
    (line,) = lines_for(proxy, exchange_id)
    assert line["status"] == 200
    assert line["level"] == "error"
    assert line["stream"] is True
    assert line["cause"] == "client_disconnected"
    with client_for(proxy) as client:  # still forwarding
        assert (
            client.get(
                f"{API}/v1/models", headers={"authorization": f"Bearer {good_key}"}
            ).status_code
            == 200
        )
    assert not our_tracebacks(proxy.stderr())


class BreakingUpstream:
    """Answers each request with `head` and `body`, then resets (or closes) the connection."""

    def __init__(self, head: bytes, body: bytes, *, reset: bool) -> None:
        self.head, self.body, self.reset = head, body, reset
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.answer, args=(conn,), daemon=True).start()

    def answer(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                conn.close()
                return
            data += chunk
        conn.sendall(self.head + self.body)
        # Break off mid-answer, not before it: an RST right after sending can discard the
        # bytes the proxy has not read yet, and the case would become "no answer at all".
        time.sleep(0.2)
        if self.reset:  # RST instead of FIN
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    def close(self) -> None:
        self.listener.close()


SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n"
    b"x-request-id: req_0123456789abcdef0123456789abcdef\r\n\r\n"
)
SSE_CHUNK = b'1d\r\ndata: {"choices": [], "n": 1}\n\n\r\n'
JSON_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n"


@pytest.fixture
def breaking(request: pytest.FixtureRequest) -> Iterator[BreakingUpstream]:
    head, body, reset = request.param
    upstream = BreakingUpstream(head, body, reset=reset)
    yield upstream
    upstream.close()


@pytest.mark.parametrize(
    ("breaking", "status"),
    [
        ((SSE_HEAD, SSE_CHUNK, True), 200),
        ((SSE_HEAD, SSE_CHUNK, False), 200),
        ((JSON_HEAD, b'{"id": "chatcmpl-', True), 200),
        ((b"", b"", True), None),
    ],
    ids=["stream-reset", "stream-closed", "body-reset", "reset-before-answer"],
    indirect=["breaking"],
)
def test_upstream_breaking_off(
    make_proxy: ProxyFactory, breaking: BreakingUpstream, good_key: str, status: int | None
) -> None:
    """An upstream that resets or closes mid-answer: one error line with a cause, no crash."""
    proxy = make_proxy("mitmdump", "--mode", f"reverse:http://127.0.0.1:{breaking.port}")
    headers = {"authorization": f"Bearer {good_key}", "content-type": "application/json"}
    with httpx.Client(trust_env=False, timeout=10) as client:
        try:
            with client.stream(
                "POST", f"{proxy.url}/v1/chat/completions", content=CHAT, headers=headers
            ) as r:
                for _ in r.iter_raw():
                    pass
        except httpx.HTTPError:
            pass  # the client sees the break too; what matters is the proxy's account of it
    wait_for(lambda: proxy.log_lines() or None, 10, proxy.stdout() + proxy.stderr())
    # The end marker: another request, on another path; once its line is there, nothing more
    # comes for the first one.
    with contextlib.suppress(httpx.HTTPError), httpx.Client(trust_env=False, timeout=10) as client:
        client.get(f"{proxy.url}{END_PATH}")
    wait_for(
        lambda: any(e.get("path") == END_PATH for e in proxy.log_lines()) or None,
        10,
        f"no end-marker line:\n{proxy.stdout()}",
    )
    exchanges = [e for e in proxy.log_lines() if e.get("event") == "exchange"]
    (line,) = [e for e in exchanges if e.get("path") != END_PATH]
    assert line["status"] == status
    assert line["level"] == "error"
    assert line["cause"] == "upstream_disconnected"
    assert line["hint"]
    assert not our_tracebacks(proxy.stderr())
