"""Connection-level failures through a real proxy: each logged once, with a cause and hint.

mitmproxy answers these itself (a 502, a failed CONNECT, a closed connection) and never calls
`response`; authlens logs them from its `error`, `http_connect_error`, `server_connect_error`
and `tls_failed_*` hooks, in regular, reverse and upstream modes.
"""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from authlens.fake_openai import FakeOpenAI
from tests.harness import ConnectRelay, Proxy, ProxyFactory, clean_env, upstream_args, wait_for

pytestmark = pytest.mark.e2e
LOCAL = ("--set", "authlens_hosts=127.0.0.1")
# Every proxy here has a second listener, reverse to the fake on 127.0.0.2: an exchange sent
# there after the failure is the end marker (its line comes once the proxy is past the failure).
END_PATH = "/v1/authlens-test-end"
_END_LISTENER = re.compile(r"listening at 127\.0\.0\.2:(\d+)")


def with_end_marker(args: tuple[str, ...], fake: FakeOpenAI) -> tuple[str, ...]:
    main = args if "--mode" in args else ("--mode", "regular", *args)
    return (*main, "--mode", f"reverse:{fake.url}@127.0.0.2:0")


def on_main_port(proxy: Proxy) -> Proxy:
    """The proxy, its port the main listener's (the end marker's may have been logged first)."""
    main = wait_for(
        lambda: re.search(r"listening at 127\.0\.0\.1:(\d+)", proxy.stdout() + proxy.stderr()),
        10,
        f"no main listener:\n{proxy.stderr()}",
    )
    proxy.port = int(main[1])
    return proxy


@pytest.fixture
def start(make_proxy: ProxyFactory, fake: FakeOpenAI) -> Callable[..., Proxy]:
    """Start a mitmdump with `args` and the end-marker listener."""
    return lambda *args: on_main_port(make_proxy("mitmdump", *with_end_marker(args, fake)))


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port that refuses connections: bound but not listening, and held for the whole test
    (a port merely released could be taken by another process before it is used)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


@pytest.fixture(scope="module")
def untrusted_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA that did not sign the fake upstream's certificate."""
    path = tmp_path_factory.mktemp("other-ca") / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return path


def failures(proxy: Proxy) -> list[dict[str, Any]]:
    """The exchange lines of the failure, once the end marker's line shows nothing more comes."""
    wait_for(lambda: proxy.log_lines() or None, 10, proxy.stdout() + proxy.stderr())
    listener = _END_LISTENER.search(proxy.stdout() + proxy.stderr())
    assert listener, proxy.stderr()
    send(f"http://127.0.0.2:{listener[1]}{END_PATH}")
    wait_for(
        lambda: any(e.get("path") == END_PATH for e in proxy.log_lines()) or None,
        10,
        f"no end-marker line:\n{proxy.stdout()}",
    )
    return [
        e for e in proxy.log_lines() if e.get("event") == "exchange" and e.get("path") != END_PATH
    ]


NO_ANSWER = ("RemoteProtocolError", "ReadError")  # httpx: closed, or reset, without a response


def send(url: str, *, proxy: str | None = None, verify: Any = False) -> int | str:
    """The status, or the exception's name when the client got no HTTP answer."""
    try:
        with httpx.Client(proxy=proxy, verify=verify, trust_env=False, timeout=10) as client:
            return client.get(url, headers={"authorization": "Bearer sk-test"}).status_code
    except httpx.HTTPError as e:
        return type(e).__name__


def assert_one_failure(lines: list[dict[str, Any]], cause: str) -> dict[str, Any]:
    assert len(lines) == 1, lines
    (line,) = lines
    assert line["status"] is None
    assert line["level"] == "error"
    assert line["cause"] == cause
    assert line["hint"]
    assert line["hint"].isascii()
    return line


def test_regular_connect_to_unreachable_host(start: Callable[..., Proxy], closed_port: int) -> None:
    """CONNECT to a closed port: mitmproxy's 502 on the CONNECT, one upstream_unreachable line."""
    proxy = start(*LOCAL)
    result = send(f"https://127.0.0.1:{closed_port}/v1/models", proxy=proxy.url)
    assert result == "ProxyError"
    line = assert_one_failure(failures(proxy), "upstream_unreachable")
    assert line["method"] == "CONNECT"
    assert line["host"] == "127.0.0.1"
    assert "could not connect to 127.0.0.1" in line["hint"]


def test_regular_plain_http_to_unreachable_host(
    start: Callable[..., Proxy], closed_port: int
) -> None:
    """A plain-HTTP request to a closed port: the flow's error hook logs it with its path."""
    proxy = start(*LOCAL)
    assert send(f"http://127.0.0.1:{closed_port}/v1/models", proxy=proxy.url) == 502
    line = assert_one_failure(failures(proxy), "upstream_unreachable")
    assert line["path"] == "/v1/models"
    assert line["method"] == "GET"


def test_reverse_mode_unreachable_target(start: Callable[..., Proxy], closed_port: int) -> None:
    """Reverse mode connects before any request: the line is written when the client leaves."""
    proxy = start("--mode", f"reverse:http://127.0.0.1:{closed_port}")
    # mitmproxy closes the client's connection without an answer: a clean close, or a reset
    # when the request's bytes were still unread (timing), never an HTTP status.
    assert send(f"{proxy.url}/v1/models") in NO_ANSWER
    line = assert_one_failure(failures(proxy), "upstream_unreachable")
    assert line["host"] == "127.0.0.1"
    assert line["method"] is None
    assert line["path"] is None


def test_upstream_mode_unreachable_upstream_proxy(
    start: Callable[..., Proxy], closed_port: int
) -> None:
    """The upstream proxy does not answer: one line for the request that could not go."""
    proxy = start("--mode", f"upstream:http://127.0.0.1:{closed_port}")
    assert send("https://api.openai.com/v1/models", proxy=proxy.url) == 502
    line = assert_one_failure(failures(proxy), "upstream_unreachable")
    assert line["host"] == "api.openai.com"
    assert line["path"] == "/v1/models"


@pytest.fixture
def distrusting_proxy(
    tmp_path: Path, confdir: Path, untrusted_ca: Path, fake: FakeOpenAI
) -> Iterator[Callable[..., Proxy]]:
    """Proxies that verify the upstream against a CA that did not sign it.

    The shared factory always passes the test CA as `ssl_verify_upstream_trusted_ca`, and
    mitmdump refuses the option twice, so these are built here.
    """
    started: list[Proxy] = []

    def make(*args: str) -> Proxy:
        workdir = tmp_path / f"distrusting{len(started)}"
        proxy = Proxy("mitmdump", with_end_marker(args, fake), workdir, confdir, untrusted_ca)
        started.append(proxy)
        return on_main_port(proxy.start())

    yield make
    for proxy in started:
        proxy.stop()


@pytest.mark.parametrize("mode", ["regular", "reverse", "upstream"])
def test_refused_upstream_certificate(
    distrusting_proxy: Callable[..., Proxy], fake: FakeOpenAI, relay: ConnectRelay, mode: str
) -> None:
    """tls_failed_server and error both fire; one upstream_tls_failed line names the option."""
    if mode == "regular":
        proxy = distrusting_proxy(*LOCAL)
        result = send(f"https://127.0.0.1:{fake.port}/v1/models", proxy=proxy.url)
    elif mode == "reverse":
        proxy = distrusting_proxy("--mode", f"reverse:{fake.url}")
        result = send(f"{proxy.url}/v1/models")
    else:
        proxy = distrusting_proxy(*upstream_args(relay))
        result = send("https://api.openai.com/v1/models", proxy=proxy.url)
    assert result == 502
    line = assert_one_failure(failures(proxy), "upstream_tls_failed")
    assert "ssl_verify_upstream_trusted_ca" in line["hint"]
    assert line["path"] == "/v1/models"


@pytest.mark.parametrize("mode", ["regular", "upstream"])
def test_client_refusing_our_ca_with_httpx(
    start: Callable[..., Proxy], relay: ConnectRelay, fake: FakeOpenAI, mode: str
) -> None:
    """A client that does not trust the authlens CA: client_tls_failed; httpx sends no user
    agent with its CONNECT, but its ClientHello is Python's: the Python variables, with the
    running confdir's bundle."""
    system_store = ssl.create_default_context()  # no authlens CA in it
    if mode == "regular":
        proxy = start(*LOCAL)
        url, host = f"https://127.0.0.1:{fake.port}/v1/models", "127.0.0.1"
    else:
        proxy = start(*upstream_args(relay))
        url, host = "https://api.openai.com/v1/models", "api.openai.com"
    assert send(url, proxy=proxy.url, verify=system_store) == "ConnectError"
    line = assert_one_failure(failures(proxy), "client_tls_failed")
    assert line["host"] == host
    assert line["method"] == "CONNECT"
    assert "looks like Python" in line["hint"]
    for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", str(proxy.confdir)):
        assert variable in line["hint"]
    assert "NODE_EXTRA_CA_CERTS" not in line["hint"]


def test_client_refusing_our_ca_with_curl(
    start: Callable[..., Proxy], relay: ConnectRelay, untrusted_ca: Path
) -> None:
    """curl sends a User-Agent with its CONNECT: the hint names curl's own options only."""
    proxy = start(*upstream_args(relay))
    command = ["curl", "-sS", "--max-time", "10", "--cacert", str(untrusted_ca)]
    command += ["--proxy", proxy.url, "https://api.openai.com/v1/models"]
    done = subprocess.run(command, capture_output=True, env=clean_env(), timeout=20, check=False)
    assert done.returncode == 60  # curl: peer certificate cannot be authenticated
    line = assert_one_failure(failures(proxy), "client_tls_failed")
    assert "CURL_CA_BUNDLE" in line["hint"]
    assert "--cacert" in line["hint"]
    assert "NODE_EXTRA_CA_CERTS" not in line["hint"]
    assert line["sdk"]
    assert line["sdk"].startswith("curl ")


def test_client_refusing_our_ca_in_reverse_mode(
    start: Callable[..., Proxy], fake: FakeOpenAI
) -> None:
    """A reverse-mode client speaking TLS to the proxy that refuses its certificate."""
    proxy = start("--mode", f"reverse:{fake.url}")
    context = ssl.create_default_context()  # the system store: no authlens CA in it
    result = send(f"https://127.0.0.1:{proxy.port}/v1/models", verify=context)
    assert result == "ConnectError"
    line = assert_one_failure(failures(proxy), "client_tls_failed")
    assert line["host"] == "127.0.0.1"
    assert line["method"] is None
