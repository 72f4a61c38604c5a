"""The fake OpenAI answers like api.openai.com, records requests, and replays canned replies."""

from __future__ import annotations

import gzip
import http.client
import ssl
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import brotli  # type: ignore[import-untyped]
import httpx
import orjson
import pytest
import trustme
from backports import zstd

from authlens.fake_openai import (
    MISSING_KEY_MESSAGE,
    FakeAPI,
    FakeOpenAI,
    ReceivedRequest,
    Reply,
    compress,
    masked_echo,
)
from tests.corpus import corpus_reply, load_corpus

GOOD = "sk-proj-" + "g" * 40 + "T3Blbk" + "FJ" + "h" * 40
ORG, PROJECT = "org-testorganization01", "proj_testproject01"
CORPUS = load_corpus()
DECOMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.decompress,
    "deflate": zlib.decompress,
    "br": brotli.decompress,
    "zstd": zstd.decompress,
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI([GOOD], organization=ORG, project=PROJECT, stream_delay=0) as server:
        yield server


@pytest.fixture(scope="module")
def client(fake: FakeOpenAI) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, trust_env=False) as c:
        yield c


def request(
    headers: dict[str, str], method: str = "GET", path: str = "/v1/models"
) -> ReceivedRequest:
    return ReceivedRequest(method, path, tuple((k.lower(), v) for k, v in headers.items()), b"")


def error_of(response: httpx.Response) -> dict[str, Any]:
    error = response.json()["error"]
    assert isinstance(error, dict)
    return error


@pytest.mark.parametrize(
    ("credential", "echo"),
    [
        ("DEADBEEF", "DEADBEEF"),
        ("undefined", "undefined"),
        ("sk-VKMIs" + "x" * 39 + "wjh3", "sk-VKMIs" + "*" * 39 + "wjh3"),
        ('"sk-RoCv' + "y" * 41 + 'ABM"', '"sk-RoCv' + "*" * 41 + 'ABM"'),
    ],
)
def test_masked_echo_follows_openai(credential: str, echo: str) -> None:
    """First 8, `*` for the middle, last 4 (same length); short values come back in full."""
    assert masked_echo(credential) == echo
    assert len(masked_echo(credential)) == len(credential)


NO_KEY = "You didn't provide an API key."
AUTH_CASES = [
    ({}, 401, None, NO_KEY),
    ({"authorization": "Basic dXNlcjpwYXNz"}, 401, None, NO_KEY),
    ({"authorization": "Bearer"}, 401, None, NO_KEY),
    (
        {"authorization": "Bearer DEADBEEF"},
        401,
        "invalid_api_key",
        "Incorrect API key provided: DEADBEEF.",
    ),
    (
        {"authorization": f"Bearer {GOOD}", "openai-organization": "org-other"},
        401,
        "mismatched_organization",
        "OpenAI-Organization header",
    ),
    (
        {"authorization": f"Bearer {GOOD}", "openai-project": "myproject"},
        401,
        "mismatched_project",
        "OpenAI-Project header",
    ),
    (
        {"authorization": f"bearer {GOOD}", "openai-organization": ORG, "openai-project": PROJECT},
        200,
        None,
        None,
    ),
]


@pytest.mark.parametrize(("headers", "status", "code", "message_start"), AUTH_CASES)
def test_auth_decisions(
    client: httpx.Client,
    headers: dict[str, str],
    status: int,
    code: str | None,
    message_start: str | None,
) -> None:
    """Each credential problem gets OpenAI's own status, code and message."""
    response = client.get("/v1/models", headers=headers)
    assert response.status_code == status
    assert response.headers["x-request-id"].startswith("req_")
    assert len(response.headers["x-request-id"]) == 36
    if message_start is None:
        assert response.json()["data"][0]["id"] == "gpt-4o-mini"
        return
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    error = error_of(response)
    assert (error["code"], error["type"], error["param"]) == (code, "invalid_request_error", None)
    assert error["message"].startswith(message_start)


def test_missing_key_body_is_the_corpus_body(client: httpx.Client) -> None:
    """No key: the body equals corpus entry openai_401_missing_key, field order included."""
    entry = next(e for e in CORPUS if e["id"] == "openai_401_missing_key")
    response = client.get("/v1/models")
    assert response.content == orjson.dumps(entry["body"])
    assert error_of(response)["message"] == MISSING_KEY_MESSAGE


def test_invalid_key_echo_is_masked(client: httpx.Client) -> None:
    """A long wrong key is echoed masked, never in full."""
    wrong = "sk-proj-" + "w" * 40 + "T3Blbk" + "FJ" + "z" * 36 + "Q9x1"
    message = error_of(client.get("/v1/models", headers={"authorization": f"Bearer {wrong}"}))[
        "message"
    ]
    assert f"sk-proj-{'*' * (len(wrong) - 12)}Q9x1." in message
    assert wrong not in message


def test_unknown_path_is_unknown_url(client: httpx.Client) -> None:
    """A path the API does not have: 404 `unknown_url` naming the method and path."""
    response = client.post(
        "/chat/completions", headers={"authorization": f"Bearer {GOOD}"}, json={}
    )
    assert response.status_code == 404
    assert list(error_of(response)) == ["type", "code", "message", "param"]
    assert error_of(response)["code"] == "unknown_url"
    assert "Unknown request URL: POST /chat/completions." in error_of(response)["message"]


def test_chat_completion_success(client: httpx.Client, fake: FakeOpenAI) -> None:
    """A good key gets a completion with OpenAI's success headers; the body sent is recorded."""
    response = client.post(
        "/v1/chat/completions",
        headers={"authorization": f"Bearer {GOOD}"},
        json={"model": "gpt-4o"},
    )
    assert response.status_code == 200
    assert response.json()["model"] == "gpt-4o"
    assert response.json()["choices"][0]["message"]["content"]
    for name, value in (
        ("openai-organization", ORG),
        ("openai-project", PROJECT),
        ("openai-version", "2020-10-01"),
    ):
        assert response.headers[name] == value
    assert int(response.headers["openai-processing-ms"]) >= 0
    assert fake.bodies_sent[response.headers["x-request-id"]] == response.content


def test_stream_sends_chunks_then_done(client: httpx.Client, fake: FakeOpenAI) -> None:
    """`stream: true` gets N `data:` events of chat.completion.chunk and a final `[DONE]`."""
    with client.stream(
        "POST",
        "/v1/chat/completions",
        headers={"authorization": f"Bearer {GOOD}", "x-fake-stream-chunks": "3"},
        json={"model": "gpt-4o-mini", "stream": True},
    ) as response:
        events = [line for line in response.iter_lines() if line]
    assert response.headers["content-type"].startswith("text/event-stream")
    assert events[-1] == "data: [DONE]"
    chunks = [orjson.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert [c["choices"][0]["delta"]["content"] for c in chunks] == [
        "chunk 0 ",
        "chunk 1 ",
        "chunk 2 ",
    ]
    sent = [i for rid, i, _ in fake.chunks_sent if rid == response.headers["x-request-id"]]
    assert sent == [0, 1, 2, 3]


def test_requests_are_recorded(client: httpx.Client, fake: FakeOpenAI) -> None:
    """Method, path with query, headers and body of each request are kept in order."""
    client.post(
        "/v1/chat/completions?x=1",
        headers={"authorization": "Bearer k", "x-marker": "m1"},
        content=b'{"a":1}',
    )
    last = fake.requests[-1]
    assert (last.method, last.path, last.body) == ("POST", "/v1/chat/completions?x=1", b'{"a":1}')
    assert last.header("X-Marker") == "m1"
    assert last.header("authorization") == "Bearer k"


@pytest.mark.parametrize("encoding", sorted(DECOMPRESS))
def test_replies_can_be_compressed(client: httpx.Client, fake: FakeOpenAI, encoding: str) -> None:
    """`X-Fake-Encoding` compresses any reply and sets Content-Encoding and Content-Length."""
    with client.stream("GET", "/v1/models", headers={"x-fake-encoding": encoding}) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == encoding
    assert int(response.headers["content-length"]) == len(raw)
    assert orjson.loads(DECOMPRESS[encoding](raw))["error"]["message"] == MISSING_KEY_MESSAGE
    assert compress(b"x", encoding) != b"x"


@pytest.mark.parametrize("entry", [e for e in CORPUS if e["status"]], ids=lambda e: e["id"])
def test_corpus_entries_can_be_replayed(
    client: httpx.Client, fake: FakeOpenAI, entry: dict[str, Any]
) -> None:
    """Any corpus entry can be answered by name with its status, headers and body."""
    fake.add_reply(entry["id"], corpus_reply(entry))
    response = client.get("/v1/models", headers={"x-fake-reply": entry["id"]})
    assert response.status_code == entry["status"]
    if entry["body"] is not None:
        assert response.json() == entry["body"]
    elif entry.get("observed_message"):
        assert error_of(response)["message"] == entry["observed_message"]
    else:
        assert response.content == b""
    for name, value in entry["headers"].items():
        if name.lower() not in ("connection", "date", "content-length", "transfer-encoding"):
            assert response.headers[name] == value


def test_unknown_reply_name_is_an_error(client: httpx.Client) -> None:
    """Asking for a reply that was never added is a 400, not a silent default."""
    response = client.get("/v1/models", headers={"x-fake-reply": "nope"})
    assert (response.status_code, error_of(response)["code"]) == (400, "fake_unknown_reply")


def test_decisions_without_a_server() -> None:
    """FakeAPI.answer is a plain function of the request (usable without sockets)."""
    api = FakeAPI([GOOD])
    reply = api.answer(request({"authorization": "Bearer nope"}))
    assert isinstance(reply, Reply)
    assert reply.status == 401
    assert orjson.loads(reply.body)["error"]["code"] == "invalid_api_key"


def test_keep_alive(fake: FakeOpenAI) -> None:
    """Two requests on one HTTP/1.1 connection both get answers."""
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=5)
    try:
        statuses = []
        for _ in range(2):
            connection.request("GET", "/v1/models", headers={"Authorization": f"Bearer {GOOD}"})
            reply = connection.getresponse()
            reply.read()
            statuses.append(reply.status)
    finally:
        connection.close()
    assert statuses == [200, 200]


def test_tls_and_port_zero() -> None:
    """With an SSLContext the fake serves HTTPS on the port it reports."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    with FakeOpenAI([GOOD], ssl_context=server_context, port=0) as server:
        assert server.port > 0
        assert server.url == f"https://127.0.0.1:{server.port}"
        response = httpx.get(
            f"{server.url}/v1/models",
            headers={"authorization": f"Bearer {GOOD}"},
            verify=client_context,
        )
    assert response.status_code == 200
