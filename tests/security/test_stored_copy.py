"""Issue 10, Critical 1 and 3, Medium 10, Low (upstream echoes): no key in any output.

One `authlens run` (with `-w`, HAR and a log file) receives every attack below, each with
its own synthetic key; after SIGTERM each test checks its own key in every output (stdout,
stderr, log file, `-w`, HAR) and that its exchange has exactly one log line.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from authlens.fake_openai import FakeOpenAI, Reply, openai_error
from tests.harness import ConnectRelay, ProxyFactory, synthetic_key
from tests.security.kit import Answer, Run, bearer, leaks, raw, start

Headers = list[tuple[bytes, bytes]]


def token(n: int = 40) -> str:
    """A random credential of no known shape (only known secrets and names can catch it)."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(n))


def azure_like_key() -> str:
    """An 84-character base64 key with `/` and `+` (Azure's newer shape)."""
    while True:
        key = base64.b64encode(secrets.token_bytes(63)).decode()
        if "/" in key:
            return key


@dataclass
class Case:
    """An attack: the request it sends for a key (and a fake reply it needs, by name)."""

    send: Callable[[Run, str], Answer]
    key: Callable[[], str] = synthetic_key
    reply: Callable[[str], Reply] | None = None


def post(run: Run, headers: Headers, body: bytes, path: bytes = b"/v1/chat/completions") -> Answer:
    return raw(run.proxy, "POST", path, headers, body)


def other(key: str) -> Headers:
    """A different (unknown) key in Authorization, so the case's key sits only elsewhere."""
    return [bearer(synthetic_key())]


JSON = (b"Content-Type", b"application/json")


def _escaped_u(key: str) -> bytes:
    head = key[:8]
    return (head + "".join(f"\\u{ord(c):04x}" for c in key[8:])).encode()


def _zwsp(key: str) -> bytes:
    middle = len(key) // 2
    return (key[:middle] + "\\u200b" + key[middle:]).encode()


def _multipart(key: str) -> tuple[Headers, bytes]:
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n'
        + key.encode()
        + b"\r\n--XyZ--\r\n"
    )
    return [(b"Content-Type", b"multipart/form-data; boundary=XyZ")], body


def _echo_reply(where: str) -> Callable[[str], Reply]:
    def reply(key: str) -> Reply:
        if where == "header":
            return Reply(
                401,
                openai_error("no", "invalid_api_key"),
                (
                    ("content-type", "application/json"),
                    (
                        "www-authenticate",
                        f'Bearer realm="api", error="invalid_token" token="{key}"',
                    ),
                    ("x-debug-key", key),
                ),
            )
        if where == "param":
            body = json.dumps({"error": {"message": "bad", "type": "x", "param": key}})
            return Reply(401, body.encode(), (("content-type", "application/json"),))
        if where == "html":
            page = f"<html><body><h1>401</h1><p>key {key} refused</p></body></html>"
            return Reply(401, page.encode(), (("content-type", "text/html"),))
        message = f"Headers received: Authorization: Bearer {key}, Authorization: Bearer x"
        return Reply(
            401, openai_error(message, "invalid_api_key"), (("content-type", "application/json"),)
        )

    return reply


def _named(run: Run, key: str, name: str, headers: Headers) -> Answer:
    return post(run, [*headers, (b"X-Fake-Reply", name.encode()), JSON], b"{}")


CASES: dict[str, Case] = {
    # Critical 1: one non-UTF-8 byte beside the key.
    "nbsp-after-key": Case(
        lambda r, k: post(r, [(b"Authorization", b"Bearer " + k.encode() + b"\xa0"), JSON], b"{}")
    ),
    "latin1-cookie": Case(
        lambda r, k: post(r, [bearer(k), (b"Cookie", b"lang=fran\xe7ais"), JSON], b"{}")
    ),
    # Critical 3: every place the stored copy kept a key.
    "openai-organization": Case(
        lambda r, k: post(r, [*other(k), (b"OpenAI-Organization", k.encode()), JSON], b"{}")
    ),
    "openai-project": Case(
        lambda r, k: post(r, [*other(k), (b"OpenAI-Project", k.encode()), JSON], b"{}")
    ),
    "helicone-auth": Case(
        lambda r, k: post(r, [*other(k), (b"Helicone-Auth", b"Bearer " + k.encode()), JSON], b"{}"),
        key=token,
    ),
    "cf-aig-authorization": Case(
        lambda r, k: post(
            r, [*other(k), (b"cf-aig-authorization", b"Bearer " + k.encode()), JSON], b"{}"
        ),
        key=token,
    ),
    "x-goog-api-key": Case(
        lambda r, k: post(r, [*other(k), (b"x-goog-api-key", k.encode()), JSON], b"{}"), key=token
    ),
    "x-portkey-api-key": Case(
        lambda r, k: post(r, [*other(k), (b"x-portkey-api-key", k.encode()), JSON], b"{}"),
        key=token,
    ),
    "path-segment": Case(
        lambda r, k: post(r, [bearer(k), JSON], b"{}", b"/v1/" + k.encode() + b"/chat/completions"),
        key=token,
    ),
    "matrix-param": Case(
        lambda r, k: post(
            r, [*other(k), JSON], b"{}", b"/v1/chat/completions;api_key=" + k.encode()
        ),
        key=token,
    ),
    "json-u-escapes": Case(
        lambda r, k: post(
            r, [bearer(k), JSON], b'{"model":"gpt-4o","note":"' + _escaped_u(k) + b'"}'
        )
    ),
    "json-zwsp": Case(
        lambda r, k: post(r, [bearer(k), JSON], b'{"model":"gpt-4o","note":"' + _zwsp(k) + b'"}')
    ),
    "json-slash-escape": Case(
        lambda r, k: post(
            r,
            [(b"api-key", k.encode()), JSON],
            b'{"note":"' + k.replace("/", "\\/").encode() + b'"}',
        ),
        key=azure_like_key,
    ),
    "gzip-body": Case(
        lambda r, k: post(
            r,
            [*other(k), JSON, (b"Content-Encoding", b"gzip")],
            gzip.compress(b'{"api_key":"' + k.encode() + b'"}'),
        ),
        key=token,
    ),
    "form-body": Case(
        lambda r, k: post(
            r,
            [*other(k), (b"Content-Type", b"application/x-www-form-urlencoded")],
            b"x=1&api_key=" + k.encode(),
        ),
        key=token,
    ),
    "multipart-body": Case(
        lambda r, k: post(r, [*other(k), _multipart(k)[0][0]], _multipart(k)[1]), key=token
    ),
    "json-field-name": Case(
        lambda r, k: post(
            r, [*other(k), JSON], b'{"model":"gpt-4o","openai_api_key":"' + k.encode() + b'"}'
        ),
        key=token,
    ),
    "key-as-model": Case(
        lambda r, k: post(r, [*other(k), JSON], b'{"model":"' + k.encode() + b'","messages":[]}')
    ),
    "percent-encoded-name": Case(
        lambda r, k: post(
            r, [*other(k), JSON], b"{}", b"/v1/chat/completions?ap%69_key=" + k.encode()
        ),
        key=token,
    ),
    # Medium 10: two Authorization fields, the upstream quoting them.
    "repeated-authorization": Case(
        lambda r, k: _named(
            r, k, "repeated-authorization", [bearer(k), (b"Authorization", b"Bearer x")]
        ),
        key=token,
        reply=_echo_reply("message"),
    ),
    # Low: upstream echoes beside error.message.
    "echo-in-response-headers": Case(
        lambda r, k: _named(r, k, "echo-in-response-headers", [bearer(k)]),
        key=token,
        reply=_echo_reply("header"),
    ),
    "echo-in-error-param": Case(
        lambda r, k: _named(r, k, "echo-in-error-param", [bearer(k)]),
        key=token,
        reply=_echo_reply("param"),
    ),
    "echo-in-html-page": Case(
        lambda r, k: _named(r, k, "echo-in-html-page", [bearer(k)]),
        key=token,
        reply=_echo_reply("html"),
    ),
}


@dataclass
class Results:
    keys: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)
    run: Run | None = None
    outputs: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def results(
    make_module_proxy: ProxyFactory,
    relay: ConnectRelay,
    fake: FakeOpenAI,
    tmp_path_factory: pytest.TempPathFactory,
) -> Results:
    found = Results()
    found.run = run = start(make_module_proxy, relay, tmp_path_factory.mktemp("stored"))
    for name, case in CASES.items():
        key = found.keys[name] = case.key()
        if case.reply is not None:
            fake.add_reply(name, case.reply(key))
        found.answers[name] = case.send(run, key)
    for answer in found.answers.values():
        with contextlib.suppress(AssertionError):  # a missing line fails its own test
            run.line(answer.headers["x-authlens-id"], timeout=3)
    run.stop()
    found.outputs = run.outputs()
    return found


@pytest.mark.parametrize("name", list(CASES))
def test_no_key_window_in_any_output(results: Results, name: str) -> None:
    """Neither the log nor the stored copy (-w, HAR) nor the client's copy hold the key."""
    key = results.keys[name]
    assert leaks(results.outputs, key) == []
    answer = results.answers[name]
    echoed = {"headers": str(answer.headers), "body": answer.body.decode("latin-1")}
    if name.startswith(("echo-", "repeated-")):
        assert leaks(echoed, key) == []  # the upstream's echo does not reach the app either


@pytest.mark.parametrize("name", list(CASES))
def test_one_diagnosed_line_per_exchange(results: Results, name: str) -> None:
    """Each exchange has exactly one line, with its status."""
    assert results.run is not None
    line = results.run.line(results.answers[name].headers["x-authlens-id"], timeout=1)
    assert line["status"] == results.answers[name].status


def test_no_internal_error(results: Results) -> None:
    """None of these requests made our own code fail."""
    assert results.run is not None
    assert [e for e in results.run.lines() if e["event"] == "internal_error"] == []


def test_nbsp_key_is_diagnosed_not_lost(results: Results) -> None:
    """Critical 1: the key with a trailing no-break space gets its diagnosis (non_ascii_key)."""
    answer = results.answers["nbsp-after-key"]
    assert answer.headers.get("x-authlens-cause") == "non_ascii_key"
    assert results.run is not None
    assert results.run.line(answer.headers["x-authlens-id"])["cause"] == "non_ascii_key"
