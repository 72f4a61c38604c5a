"""A fake OpenAI-compatible API on 127.0.0.1, for tests, `authlens demo` and benchmarks.

It decides each answer the way api.openai.com would (`api.py`): a good key gets a model list
or a chat completion (streamed as server-sent events on request); a missing, unknown or
mismatched credential gets OpenAI's real 401 bodies (`replies.py`, copied from
`tests/data/openai_auth_corpus.json`); an unknown path gets the 404 `unknown_url` body. A
request header `X-Fake-Reply: <name>` (or `add_reply`) makes it answer any canned reply
instead (`canned.py` names the 0.2 answers: billing, regional host, unverified organization,
zero data retention, Azure API Management, ...), and `X-Fake-Encoding` compresses it.
`POST /oauth/token` plays the workload identity token exchange (`oauth.py`) and
`POST /v1/traces/ingest` the Agents SDK's trace upload. The server (`server.py`) records every
request so callers can assert what went upstream.

Only the standard library and orjson; brotli and zstd (mitmproxy dependencies) are imported
when a reply asks for them.

    with FakeOpenAI(["sk-..."], ssl_context=context) as fake:
        ...  # talk to fake.url, then read fake.requests
"""

from __future__ import annotations

# What callers use: the server, its answer logic, replies and OpenAI's texts for assertions.
from authlens.fake_openai.api import FakeAPI
from authlens.fake_openai.replies import (
    CHUNKS_HEADER,
    DELAY_HEADER,
    INVALID_KEY_MESSAGE,
    MISSING_KEY_MESSAGE,
    ReceivedRequest,
    Reply,
    compress,
    masked_echo,
    openai_error,
)
from authlens.fake_openai.server import FakeOpenAI

__all__ = [
    "CHUNKS_HEADER",
    "DELAY_HEADER",
    "INVALID_KEY_MESSAGE",
    "MISSING_KEY_MESSAGE",
    "FakeAPI",
    "FakeOpenAI",
    "ReceivedRequest",
    "Reply",
    "compress",
    "masked_echo",
    "openai_error",
]
