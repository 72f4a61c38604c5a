"""The benchmark client: raw HTTP/1.1 over asyncio streams, keep-alive, prebuilt requests.

Raw sockets keep the client at a few tens of microseconds per request, far below the proxy's
cost, so the proxy is what gets measured. The client runs in the orchestrating process; the
proxy and the upstream are separate processes.
"""

from __future__ import annotations

import asyncio
import itertools
import ssl
import time
from dataclasses import dataclass, field

import orjson

from benchmarks.upstream import BAD_KEY, GOOD_KEY

REQUEST_BODY = orjson.dumps(
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 1}
)


def build_request(method: str, path: str, host: str, key: str, body: bytes = b"") -> bytes:
    """One request as the openai-python SDK would send it (trimmed)."""
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n"
        "User-Agent: OpenAI/Python 1.109.1\r\nX-Stainless-Lang: python\r\n"
        "X-Stainless-Package-Version: 1.109.1\r\nAccept: application/json\r\n"
    )
    if body:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def mixed_requests(host: str) -> tuple[bytes, bytes]:
    """(a 200 request, a 401 request): the load alternates them, half and half."""
    return (
        build_request("POST", "/v1/chat/completions", host, GOOD_KEY, REQUEST_BODY),
        build_request("POST", "/v1/responses", host, BAD_KEY, REQUEST_BODY),
    )


@dataclass
class LoadResult:
    """Latencies in seconds, the wall time of the whole load, and sanity counters."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    status_401: int = 0
    annotated_401: int = 0  # 401s that came back with X-Authlens-Cause

    @property
    def count(self) -> int:
        return len(self.latencies)


async def read_response(
    reader: asyncio.StreamReader, head: bytes | None = None
) -> tuple[bytes, bytes]:
    """(head, body) of one Content-Length response (`head` if it was already read)."""
    if head is None:
        head = await reader.readuntil(b"\r\n\r\n")
    lower = head.lower()
    start = lower.find(b"\r\ncontent-length:")
    length = int(lower[start + 17 : lower.find(b"\r\n", start + 2)]) if start >= 0 else 0
    return head, await reader.readexactly(length)


async def open_stream(
    host: str, port: int, tunnel: str | None = None, tls: ssl.SSLContext | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to `host:port`, through a CONNECT tunnel to `tunnel` with TLS if given."""
    reader, writer = await asyncio.open_connection(host, port)
    if tunnel is not None:
        writer.write(f"CONNECT {tunnel} HTTP/1.1\r\nHost: {tunnel}\r\n\r\n".encode())
        await reader.readuntil(b"\r\n\r\n")
        if tls is not None:
            await writer.start_tls(tls, server_hostname=tunnel.rsplit(":", 1)[0])
    return reader, writer


async def _connection_loop(
    stream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    requests: tuple[bytes, ...],
    count: int,
    result: LoadResult,
) -> None:
    reader, writer = stream
    clock = time.perf_counter
    for n in range(count):
        started = clock()
        writer.write(requests[n % len(requests)])
        head, _ = await read_response(reader)
        result.latencies.append(clock() - started)
        if head.startswith(b"HTTP/1.1 401"):
            result.status_401 += 1
            result.annotated_401 += b"X-Authlens-Cause: invalid_api_key" in head
    writer.close()


async def run_load(
    port: int,
    requests: tuple[bytes, ...],
    total: int,
    connections: int,
    *,
    tunnel: str | None = None,
    tls: ssl.SSLContext | None = None,
) -> LoadResult:
    """`total` requests over `connections` keep-alive connections, each one request at a time."""
    result = LoadResult()
    streams = [await open_stream("127.0.0.1", port, tunnel, tls) for _ in range(connections)]
    started = time.perf_counter()
    await asyncio.gather(
        *(_connection_loop(s, requests, total // connections, result) for s in streams)
    )
    result.wall = time.perf_counter() - started
    return result


@dataclass
class StreamTiming:
    """One event stream: time to first data chunk and the gaps between data chunks (seconds)."""

    first_chunk: float
    gaps: list[float]


async def time_stream(port: int, host: str) -> StreamTiming:
    """GET /v1/stream and time every event of the body as it arrives."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    clock = time.perf_counter
    started = clock()
    writer.write(build_request("GET", "/v1/stream", host, GOOD_KEY))
    head = await reader.readuntil(b"\r\n\r\n")
    arrivals: list[float] = []
    if b"chunked" in head.lower():
        while (size := int((await reader.readuntil(b"\r\n")).strip(), 16)) > 0:
            # A proxy may merge or split chunks: time each event by the chunk that ends it.
            data = await reader.readexactly(size + 2)
            arrivals.extend([clock()] * data.count(b"data: {"))
        await reader.readuntil(b"\r\n")
    else:  # a proxy that buffered the whole stream into one body
        _, body = await read_response(reader, head)
        arrivals = [clock()] * body.count(b"data: {")
    writer.close()
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    return StreamTiming(arrivals[0] - started, gaps)
