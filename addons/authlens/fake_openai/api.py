"""How the fake OpenAI decides an answer, the way api.openai.com would; no sockets here."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable

import orjson

from authlens.fake_openai.canned import CANNED
from authlens.fake_openai.oauth import token_exchange
from authlens.fake_openai.replies import (
    CHUNKS_HEADER,
    DELAY_HEADER,
    ENCODING_HEADER,
    INVALID_KEY_MESSAGE,
    MISMATCHED_ORGANIZATION_MESSAGE,
    MISMATCHED_PROJECT_MESSAGE,
    MISSING_KEY_MESSAGE,
    MODELS,
    OPENAI_VERSION,
    REPLY_HEADER,
    UNKNOWN_URL_MESSAGE,
    EventStream,
    ReceivedRequest,
    Reply,
    masked_echo,
    openai_error,
)


class FakeAPI:
    """Good keys, the account's organization and project, and named canned replies."""

    def __init__(
        self,
        keys: Iterable[str],
        *,
        organization: str = "org-fakeorganization0001",
        project: str = "proj_fakeproject0001",
        stream_chunks: int = 5,
        stream_delay: float = 0.05,
    ) -> None:
        self.keys = frozenset(keys)
        self.organization, self.project = organization, project
        self.stream_chunks = stream_chunks
        self.stream_delay = stream_delay
        self.replies: dict[str, Reply] = {}

    def add_reply(self, name: str, reply: Reply) -> None:
        """Answer `reply` to requests carrying `X-Fake-Reply: <name>`."""
        self.replies[name] = reply

    def answer(self, request: ReceivedRequest) -> Reply | EventStream:
        """The reply to `request`: an override by name, an auth failure, or the route's answer."""
        if name := request.header(REPLY_HEADER):
            reply = (
                self.replies.get(name)
                or CANNED.get(name)
                or Reply(
                    400,
                    openai_error(f"fake_openai has no reply named {name!r}", "fake_unknown_reply"),
                )
            )
        elif request.path.partition("?")[0] == "/oauth/token":
            reply = token_exchange(request)  # authenticated by its form, not a key
        else:
            answer = self.auth_failure(request) or self.route(request)
            if isinstance(answer, EventStream):
                return answer
            reply = answer
        if encoding := request.header(ENCODING_HEADER):
            reply = Reply(reply.status, reply.body, reply.headers, encoding, reply.request_id)
        return reply

    def auth_failure(self, request: ReceivedRequest) -> Reply | None:
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        token = token.strip(" ")
        if scheme.lower() != "bearer" or not token:
            return Reply(401, openai_error(MISSING_KEY_MESSAGE, None))
        if token not in self.keys:
            message = INVALID_KEY_MESSAGE.format(echo=masked_echo(token))
            return Reply(401, openai_error(message, "invalid_api_key"))
        organization = request.header("openai-organization")
        if organization is not None and organization != self.organization:
            return Reply(
                401, openai_error(MISMATCHED_ORGANIZATION_MESSAGE, "mismatched_organization")
            )
        project = request.header("openai-project")
        if project is not None and project != self.project:
            return Reply(401, openai_error(MISMATCHED_PROJECT_MESSAGE, "mismatched_project"))
        return None

    def route(self, request: ReceivedRequest) -> Reply | EventStream:
        path = request.path.partition("?")[0]
        if request.method == "GET" and path == "/v1/models":
            data = [
                {"id": m, "object": "model", "created": 1700000000, "owned_by": "system"}
                for m in MODELS
            ]
            return self.success(orjson.dumps({"object": "list", "data": data}))
        if request.method == "POST" and path == "/v1/chat/completions":
            return self.chat_completion(request)
        if request.method == "POST" and path == "/v1/traces/ingest":
            return Reply(204, b"", self.success_headers("application/json"))
        message = UNKNOWN_URL_MESSAGE.format(method=request.method, path=path)
        body = {
            "error": {
                "type": "invalid_request_error",
                "code": "unknown_url",
                "message": message,
                "param": None,
            }
        }
        return Reply(404, orjson.dumps(body))

    def success_headers(self, content_type: str) -> tuple[tuple[str, str], ...]:
        return (
            ("content-type", content_type),
            ("openai-organization", self.organization),
            ("openai-project", self.project),
            ("openai-version", OPENAI_VERSION),
            ("openai-processing-ms", "42"),
            ("x-ratelimit-limit-requests", "10000"),
            ("x-ratelimit-remaining-requests", "9999"),
            ("x-ratelimit-reset-requests", "6ms"),
        )

    def success(self, body: bytes) -> Reply:
        return Reply(200, body, self.success_headers("application/json"))

    def chat_completion(self, request: ReceivedRequest) -> Reply | EventStream:
        try:
            params = orjson.loads(request.body or b"{}")
        except orjson.JSONDecodeError:
            params = None
        if not isinstance(params, dict):
            return Reply(
                400, openai_error("We could not parse the JSON body of your request.", None)
            )
        model = str(params.get("model") or "gpt-4o-mini")
        completion_id = f"chatcmpl-{secrets.token_hex(12)}"
        if params.get("stream") is True:
            stream = self.event_stream(request, completion_id, model)
            options = params.get("stream_options")
            if isinstance(options, dict) and options.get("include_usage") is True:
                stream = with_usage_chunk(stream, completion_id, model)
            return stream
        message = {"role": "assistant", "content": "Hello from the fake OpenAI.", "refusal": None}
        body = {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11},
        }
        return self.success(orjson.dumps(body))

    def event_stream(self, request: ReceivedRequest, completion_id: str, model: str) -> EventStream:
        count = int(request.header(CHUNKS_HEADER) or self.stream_chunks)
        delay = float(request.header(DELAY_HEADER) or self.stream_delay)
        chunks = []
        for index in range(count):
            delta = (
                {"role": "assistant", "content": f"chunk {index} "}
                if index == 0
                else {"content": f"chunk {index} "}
            )
            finish = "stop" if index == count - 1 else None
            chunk = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            chunks.append(b"data: " + orjson.dumps(chunk) + b"\n\n")
        headers = self.success_headers("text/event-stream; charset=utf-8")
        return EventStream(headers, tuple(chunks), delay)


def with_usage_chunk(stream: EventStream, completion_id: str, model: str) -> EventStream:
    """`stream` ending with OpenAI's usage chunk (`stream_options.include_usage`)."""
    usage = {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}
    chunk = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [],
        "usage": usage,
    }
    last = b"data: " + orjson.dumps(chunk) + b"\n\n"
    return EventStream(stream.headers, (*stream.chunks, last), stream.delay)
