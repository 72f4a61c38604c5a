"""The fake OpenAI's HTTP/1.1 server: threads, optional TLS, keep-alive, recording."""

from __future__ import annotations

import contextlib
import http.server
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from typing import Any

from authlens.fake_openai.api import FakeAPI
from authlens.fake_openai.replies import (
    EventStream,
    ReceivedRequest,
    Reply,
    compress,
    new_request_id,
)


class FakeOpenAI(FakeAPI):
    """The fake server. `start()` serves in background threads; `stop()` closes everything."""

    def __init__(
        self,
        keys: Iterable[str],
        *,
        organization: str = "org-fakeorganization0001",
        project: str = "proj_fakeproject0001",
        ssl_context: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        stream_chunks: int = 5,
        stream_delay: float = 0.05,
    ) -> None:
        super().__init__(
            keys,
            organization=organization,
            project=project,
            stream_chunks=stream_chunks,
            stream_delay=stream_delay,
        )
        self.ssl_context = ssl_context
        # (x-request-id, chunk index, time.monotonic() when written) for every stream chunk.
        self.chunks_sent: list[tuple[str, int, float]] = []
        # x-request-id -> the body bytes as written (compressed if asked; streams joined).
        self.bodies_sent: dict[str, bytes] = {}
        self._requests: list[ReceivedRequest] = []
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._server = _Server((host, port), _Handler, self)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self.chunks_sent.clear()
            self.bodies_sent.clear()

    def start(self) -> FakeOpenAI:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # idle keep-alive connections would block their threads
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def track(self, conn: socket.socket, *, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(conn)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[_Handler], fake: FakeOpenAI) -> None:
        self.fake = fake
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that drop a connection or refuse our certificate are not our failure."""


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: _Server

    def setup(self) -> None:
        self.server.fake.track(self.request, open_=True)
        if self.server.fake.ssl_context is not None:
            # The handshake runs here, in this connection's thread, not in the accept loop.
            self.request = self.server.fake.ssl_context.wrap_socket(self.request, server_side=True)
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake.track(self.request, open_=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: callers read `FakeOpenAI.requests` instead."""

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(parts)
        return self.rfile.read(int(self.headers.get("content-length") or 0))

    def serve(self) -> None:
        fake = self.server.fake
        headers = tuple((k.lower(), v) for k, v in self.headers.items())
        request = ReceivedRequest(self.command, self.path, headers, self.read_body())
        fake.record(request)
        answer = fake.answer(request)
        request_id = new_request_id()
        if isinstance(answer, EventStream):
            self.send_stream(answer, request_id)
        else:
            self.send_reply(answer, request_id)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = serve

    def send_head(
        self, status: int, headers: Iterable[tuple[str, str]], request_id: str | None
    ) -> str | None:
        """Status and headers; returns the x-request-id sent (the reply's own, if it has one)."""
        self.send_response_only(status)
        for name, value in headers:
            if name.lower() == "x-request-id":
                request_id = None if request_id is None else value
            self.send_header(name, value)
        if request_id and not any(n.lower() == "x-request-id" for n, _ in headers):
            self.send_header("x-request-id", request_id)
        return request_id

    def send_reply(self, reply: Reply, request_id: str) -> None:
        body = compress(reply.body, reply.encoding) if reply.encoding else reply.body
        extra = [("content-encoding", reply.encoding)] if reply.encoding else []
        headers = [*reply.headers, *extra]
        sent_id = self.send_head(reply.status, headers, request_id if reply.request_id else None)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()
        self.server.fake.bodies_sent[sent_id or ""] = body

    def send_stream(self, stream: EventStream, request_id: str) -> None:
        self.send_head(200, stream.headers, request_id)
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        for index, chunk in enumerate([*stream.chunks, b"data: [DONE]\n\n"]):
            if index:
                time.sleep(stream.delay)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
            self.server.fake.chunks_sent.append((request_id, index, time.monotonic()))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        self.server.fake.bodies_sent[request_id] = b"".join(stream.chunks) + b"data: [DONE]\n\n"
