"""A very cheap fake OpenAI upstream for the benchmarks: raw asyncio, HTTP/1.1 keep-alive.

`POST /v1/chat/completions` answers 200 JSON; `POST /v1/responses` answers OpenAI's real 401
`invalid_api_key` body (tests/data/openai_auth_corpus.json), which authlens must diagnose and
annotate; `GET /v1/stream` sends an event stream of N chunks, one every M milliseconds.
Responses are prebuilt bytes so the upstream costs a few microseconds per request.

Run: `python -m benchmarks.upstream PORT [CHUNKS GAP_MS [CERTFILE KEYFILE]]` (HTTPS with the
last two). PORT 0 takes any free port; the line "ready PORT" says which.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import string
import sys

import orjson


def _synthetic_key(seed: str) -> str:
    """A 164-character sk-proj- layout (74 + marker + 74) with a seeded random body."""
    rng = random.Random(seed)  # noqa: S311 - synthetic benchmark data, not a secret
    chars = string.ascii_letters + string.digits + "_-"
    half = lambda: "".join(rng.choice(chars) for _ in range(74))  # noqa: E731
    return "sk-proj-" + half() + "T3Blbk" + "FJ" + half()


# Synthetic, key-shaped, never real: built in code (see the common brief). Random bodies:
# authlens judges keys by shape, and a body of repeated letters is a placeholder.
GOOD_KEY = _synthetic_key("bench-good")
BAD_KEY = _synthetic_key("bench-bad")
# OpenAI's mask (facts corpus): the first 8 characters, a star for each hidden one, the last 4.
MASKED_BAD_KEY = BAD_KEY[:8] + "*" * (len(BAD_KEY) - 12) + BAD_KEY[-4:]
OK_BODY = orjson.dumps(
    {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "pong"}}],
        "usage": {"prompt_tokens": 8, "completion_tokens": 1, "total_tokens": 9},
    }
)
DENIED_BODY = orjson.dumps(
    {
        "error": {
            "message": f"Incorrect API key provided: {MASKED_BAD_KEY}."
            " You can find your API key at https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
)


def _response(status: bytes, content_type: bytes, body: bytes, extra: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\ncontent-type: "
        + content_type
        + b"\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\nx-request-id: req_0123456789abcdef0123456789abcdef\r\n"
        + extra
        + b"\r\n"
        + body
    )


OK = _response(b"200 OK", b"application/json", OK_BODY, b"openai-organization: org-bench\r\n")
DENIED = _response(b"401 Unauthorized", b"application/json; charset=utf-8", DENIED_BODY)
NOT_FOUND = _response(b"404 Not Found", b"text/plain", b"not found")
SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
    b"x-request-id: req_0123456789abcdef0123456789abcdef\r\ntransfer-encoding: chunked\r\n\r\n"
)


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


class UpstreamProtocol(asyncio.Protocol):
    """One keep-alive connection: parse request heads and bodies, answer from prebuilt bytes."""

    def __init__(self, chunks: int, gap: float) -> None:
        self.chunks, self.gap = chunks, gap
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.streams: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end]
            length = _content_length(head)
            if len(self.buffer) < end + 4 + length:
                return  # body not complete yet
            self.buffer = self.buffer[end + 4 + length :]
            self.answer(head)

    def answer(self, head: bytes) -> None:
        assert self.transport is not None
        target = head.split(b" ", 2)[1]
        if target.startswith(b"/v1/chat/completions"):
            self.transport.write(OK)
        elif target.startswith(b"/v1/responses"):
            self.transport.write(DENIED)
        elif target.startswith(b"/v1/stream"):
            task = asyncio.ensure_future(self.stream(self.transport))
            # The loop keeps only weak references to tasks: hold this one until it ends.
            self.streams.add(task)
            task.add_done_callback(self.streams.discard)
        else:
            self.transport.write(NOT_FOUND)

    async def stream(self, transport: asyncio.Transport) -> None:
        transport.write(SSE_HEAD)
        for n in range(self.chunks):
            if n:
                await asyncio.sleep(self.gap)
            transport.write(_chunk(b'data: {"n": %d}\n\n' % n))
        transport.write(_chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")


def _content_length(head: bytes) -> int:
    lower = head.lower()
    start = lower.find(b"\r\ncontent-length:")
    if start < 0:
        return 0
    end = lower.find(b"\r\n", start + 2)
    return int(lower[start + 17 : end if end >= 0 else None])


async def serve(port: int, chunks: int, gap: float, tls: ssl.SSLContext | None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: UpstreamProtocol(chunks, gap), "127.0.0.1", port, backlog=512, ssl=tls
    )
    print("ready", server.sockets[0].getsockname()[1], flush=True)  # PORT 0: the system's pick
    async with server:
        await server.serve_forever()


def main(args: list[str]) -> None:
    tls = None
    if len(args) > 4:  # CERTFILE KEYFILE: serve HTTPS instead
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args[3], args[4])
    chunks = int(args[1]) if len(args) > 1 else 10
    gap_ms = float(args[2]) if len(args) > 2 else 50.0
    asyncio.run(serve(int(args[0]), chunks, gap_ms / 1000, tls))


if __name__ == "__main__":
    main(sys.argv[1:])
