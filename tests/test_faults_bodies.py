"""Odd bodies through a real proxy: passed byte for byte unless they are a JSON error we annotate.

The fake upstream sends each body exactly as given here (compressed in advance, so the test
knows every byte on the wire); the client reads the raw bytes without decoding them.
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterator

import httpx
import orjson
import pytest

from authlens.fake_openai import FakeOpenAI, Reply, compress, openai_error
from tests.harness import ConnectRelay, Proxy, ProxyFactory, synthetic_key, upstream_args

pytestmark = pytest.mark.e2e
API = "https://api.openai.com/v1/chat/completions"
DECODERS = {
    "gzip": gzip.decompress,
    "deflate": zlib.decompress,
    "br": lambda b: __import__("brotli").decompress(b),
    "zstd": lambda b: __import__("backports.zstd", fromlist=["zstd"]).decompress(b),
}
MB = 1 << 20
LARGE_OPENAI_ERROR = openai_error("x" * (3 * MB), "invalid_api_key")  # too big to parse: kept

# (name, body, content type): none of these is an error JSON authlens may rewrite.
UNTOUCHED = [
    ("empty", b"", "application/json"),
    ("truncated-json", b'{"error": {"message": "Incorrect API key prov', "application/json"),
    ("invalid-json", b"{error: 'not json'}", "application/json"),
    ("json-array", b'[{"error": {"message": "no"}}]', "application/json"),
    ("json-string", b'"Unauthorized"', "application/json"),
    ("json-null", b"null", "application/json"),
    ("error-is-a-string", b'{"error": "Unauthorized"}', "application/json"),
    ("non-utf8", b'{"error": {"message": "\xff\xfe\x80"}}', "application/json"),
    (
        "latin1-text",
        "Zugriff verweigert: Schl\u00fcssel ung\u00fcltig".encode("latin-1"),
        "text/plain; charset=iso-8859-1",
    ),
    (
        "html",
        b"<html><body><h1>401 Authorization Required</h1><hr>nginx</body></html>",
        "text/html",
    ),
    ("binary-4mb", os.urandom(4 * MB), "application/octet-stream"),
    ("openai-error-3mb", LARGE_OPENAI_ERROR, "application/json"),
]
ENCODINGS = [None, "gzip", "deflate", "br", "zstd"]


@pytest.fixture(scope="module")
def proxy(make_module_proxy: ProxyFactory, relay: ConnectRelay) -> Proxy:
    return make_module_proxy("mitmdump", *upstream_args(relay))


@pytest.fixture(scope="module")
def client(proxy: Proxy) -> Iterator[httpx.Client]:
    with proxy.client(30) as c:
        yield c


def canned(
    fake: FakeOpenAI, name: str, body: bytes, content_type: str, encoding: str | None
) -> bytes:
    """Register a reply whose wire bytes are known; returns them."""
    raw = compress(body, encoding) if encoding else body
    headers = [("content-type", content_type)]
    if encoding:
        headers.append(("content-encoding", encoding))
    fake.add_reply(name, Reply(401, raw, tuple(headers)))
    return raw


def fetch_raw(client: httpx.Client, name: str) -> tuple[httpx.Response, bytes]:
    headers = {"authorization": f"Bearer {synthetic_key()}", "x-fake-reply": name}
    with client.stream("POST", API, content=b'{"model": "gpt-4o-mini"}', headers=headers) as r:
        return r, b"".join(r.iter_raw())


@pytest.mark.parametrize("encoding", ENCODINGS, ids=lambda e: e or "identity")
@pytest.mark.parametrize(("name", "body", "content_type"), UNTOUCHED, ids=[u[0] for u in UNTOUCHED])
def test_body_passes_byte_for_byte(
    client: httpx.Client,
    proxy: Proxy,
    fake: FakeOpenAI,
    name: str,
    body: bytes,
    content_type: str,
    encoding: str | None,
) -> None:
    """Every wire byte arrives as sent; the headers still carry the diagnosis; one log line."""
    reply_name = f"{name}-{encoding}"
    sent = canned(fake, reply_name, body, content_type, encoding)
    response, raw = fetch_raw(client, reply_name)
    assert response.status_code == 401
    assert raw == sent
    assert response.headers.get("content-encoding") == encoding
    assert response.headers["x-authlens-cause"]
    line = proxy.log_line(response.headers["x-authlens-id"])
    assert line["status"] == 401


@pytest.mark.parametrize("encoding", ENCODINGS, ids=lambda e: e or "identity")
@pytest.mark.parametrize(
    "body",
    [
        openai_error("Incorrect API key provided: sk-abc***wxyz.", "invalid_api_key"),
        orjson.dumps(
            {"error": {"code": "401", "message": "Access denied due to invalid subscription key."}}
        ),
    ],
    ids=["openai", "azure"],
)
def test_error_json_is_annotated_in_its_encoding(
    client: httpx.Client, fake: FakeOpenAI, body: bytes, encoding: str | None
) -> None:
    """An OpenAI or Azure error JSON is annotated, re-encoded, with a correct Content-Length."""
    reply_name = f"annotated-{hash(body)}-{encoding}"
    canned(fake, reply_name, body, "application/json", encoding)
    response, raw = fetch_raw(client, reply_name)
    assert int(response.headers["content-length"]) == len(raw)
    decoded = DECODERS[encoding](raw) if encoding else raw
    error = orjson.loads(decoded)["error"]
    assert error["authlens"]["id"] == response.headers["x-authlens-id"]
    assert error["message"].endswith(f"[authlens: {response.headers['x-authlens-hint']}]")
