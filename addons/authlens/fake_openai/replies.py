"""What the fake OpenAI sends and receives: OpenAI's real error texts, replies, requests.

The bodies are copied from `tests/data/openai_auth_corpus.json` (each names its corpus id).
"""

from __future__ import annotations

import gzip
import secrets
import sys
import time
import zlib
from dataclasses import dataclass, field

import orjson

REPLY_HEADER = "x-fake-reply"
ENCODING_HEADER = "x-fake-encoding"  # compress the reply: gzip, br, zstd or deflate
CHUNKS_HEADER = "x-fake-stream-chunks"
DELAY_HEADER = "x-fake-stream-delay"  # seconds between two stream chunks
OPENAI_VERSION = "2020-10-01"

# Corpus id openai_401_missing_key (also ..._non_bearer_scheme: OpenAI says the same for `Basic`).
MISSING_KEY_MESSAGE = (
    "You didn't provide an API key. You need to provide your API key in an Authorization "
    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field "
    "(with blank username) if you're accessing the API from your browser and are prompted for "
    "a username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)
# Corpus id openai_401_invalid_api_key.
INVALID_KEY_MESSAGE = (
    "Incorrect API key provided: {echo}. You can find your API key at "
    "https://platform.openai.com/account/api-keys."
)
# Corpus ids openai_401_mismatched_organization and openai_401_mismatched_project.
MISMATCHED_ORGANIZATION_MESSAGE = "OpenAI-Organization header should match organization for API key"
MISMATCHED_PROJECT_MESSAGE = "OpenAI-Project header should match project for API key"
# Corpus id openai_404_unknown_url (its key order: type, code, message, param).
UNKNOWN_URL_MESSAGE = (
    "Unknown request URL: {method} {path}. Please check the URL for typos, or see the docs at "
    "https://platform.openai.com/docs/api-reference/."
)
# The real cutoff is unknown: 9 characters were echoed in full (`undefined`,
# https://github.com/anse-app/chatgpt-demo/issues/297), a 36-character value was masked.
_ECHO_IN_FULL_BELOW = 20
MODELS = ("gpt-4o-mini", "gpt-4o", "text-embedding-3-small")


def masked_echo(credential: str) -> str:
    """The credential as OpenAI echoes it: first 8, `*` x (len - 12), last 4; short in full."""
    if len(credential) < _ECHO_IN_FULL_BELOW:
        return credential
    return credential[:8] + "*" * (len(credential) - 12) + credential[-4:]


def openai_error(
    message: str, code: str | None, error_type: str = "invalid_request_error"
) -> bytes:
    return orjson.dumps(
        {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    )


def compress(body: bytes, encoding: str) -> bytes:
    """`body` in HTTP Content-Encoding `encoding` (gzip, deflate = zlib format, br, zstd)."""
    if encoding == "gzip":
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "br":
        import brotli  # type: ignore[import-untyped]  # noqa: PLC0415  # mitmproxy's dependency

        return bytes(brotli.compress(body))
    if encoding == "zstd":
        if sys.version_info >= (3, 14):
            from compression import zstd  # type: ignore[import-not-found]  # noqa: PLC0415
        else:
            from backports import zstd  # noqa: PLC0415  # mitmproxy's dependency
        return bytes(zstd.compress(body))
    raise ValueError(f"unsupported content encoding: {encoding}")


@dataclass(frozen=True, slots=True)
class Reply:
    """A canned answer; `x-request-id` is added unless `headers` has one or `request_id` is off."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = (("content-type", "application/json; charset=utf-8"),)
    encoding: str | None = None
    request_id: bool = True


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One request as the fake received it (header names lower-case, in order)."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    received: float = field(default_factory=time.monotonic)

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)


def new_request_id() -> str:
    return f"req_{secrets.token_hex(16)}"


@dataclass(frozen=True, slots=True)
class EventStream:
    """A `text/event-stream` answer: `chunks` sent `delay` seconds apart, then `[DONE]`."""

    headers: tuple[tuple[str, str], ...]
    chunks: tuple[bytes, ...]
    delay: float
