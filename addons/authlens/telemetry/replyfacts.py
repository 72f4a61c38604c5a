"""What a span needs from a response besides the log event: its id, its token usage, and
when its first chunk came.

Read cheaply and without parsing: the id is near the start of a body (a chat completion, a
stream's first chunk, a Responses `response.created` event), the usage near its end (the
final chunk of a stream with `include_usage`, `response.completed`). So only a head and a
tail are kept and searched; no message content is kept beyond them, none is returned.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

_HEAD = 2048
_TAIL = 4096
_ID = re.compile(rb'"id"\s*:\s*"([A-Za-z0-9_.:-]{1,128})"')
_INPUT = re.compile(rb'"(?:prompt_tokens|input_tokens)"\s*:\s*(\d{1,12})')
_OUTPUT = re.compile(rb'"(?:completion_tokens|output_tokens)"\s*:\s*(\d{1,12})')


@dataclass(frozen=True, slots=True)
class ReplyFacts:
    """The response's id and token counts (None when the body has none) and first chunk."""

    response_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    first_chunk: float | None = None  # epoch seconds


def _last_int(pattern: re.Pattern[bytes], data: bytes) -> int | None:
    counts = pattern.findall(data)  # the last one is the final count
    return int(counts[-1]) if counts else None


def read_facts(head: bytes, tail: bytes, first_chunk: float | None = None) -> ReplyFacts:
    """The facts in a body's `head` and `tail` (they may overlap or be the same bytes)."""
    match = _ID.search(head)
    return ReplyFacts(
        response_id=match.group(1).decode("ascii") if match else None,
        input_tokens=_last_int(_INPUT, tail),
        output_tokens=_last_int(_OUTPUT, tail),
        first_chunk=first_chunk,
    )


def body_facts(body: bytes | None, first_chunk: float | None = None) -> ReplyFacts:
    """The facts of a whole (decoded) body."""
    if not body:
        return ReplyFacts(first_chunk=first_chunk)
    return read_facts(body[:_HEAD], body[-_TAIL:], first_chunk)


class StreamTap:
    """A mitmproxy stream callable: passes each chunk on unchanged, noting the first chunk's
    time and, when `keep` is set, the stream's head and tail for `facts()`."""

    __slots__ = ("first_chunk", "head", "keep", "tail")

    def __init__(self, *, keep: bool) -> None:
        self.keep = keep
        self.first_chunk: float | None = None
        self.head = b""
        self.tail = b""

    def __call__(self, chunk: bytes) -> bytes:
        if chunk:
            if self.first_chunk is None:
                self.first_chunk = time.time()
            if self.keep:
                if len(self.head) < _HEAD:
                    self.head += chunk[: _HEAD - len(self.head)]
                self.tail = (self.tail + chunk)[-_TAIL:] if len(chunk) < _TAIL else chunk[-_TAIL:]
        return chunk

    def facts(self) -> ReplyFacts:
        if not self.keep:
            return ReplyFacts(first_chunk=self.first_chunk)
        return read_facts(self.head, self.tail, self.first_chunk)
