"""Issue 10, High 5, Medium 9 and Low: odd bytes, OpenAI's masked echo, broken clients.

Through one real `authlens run`: every exchange still gets exactly one line, our outputs
never republish 8 characters of a key, and a client's own failure is named as such.
"""

from __future__ import annotations

import contextlib
import secrets
import time
import uuid
from pathlib import Path

import orjson
import pytest

from authlens.fake_openai import FakeOpenAI
from tests.harness import ProxyFactory, synthetic_key, wait_for
from tests.security.kit import Run, bearer, connect, curl_without_our_ca, leaks, raw, request_bytes

ODD = b"Soci\xe9t\xe9 \xa0\xff"  # latin-1 text, a no-break space, a byte no encoding has


@pytest.mark.parametrize(
    "place",
    [
        "User-Agent",
        "X-Client-Request-Id",
        "OpenAI-Organization",
        "OpenAI-Project",
        "X-Stainless-Lang",
        "X-Stainless-Package-Version",
        "path",
        "Cookie",
    ],
)
def test_a_non_utf8_byte_anywhere_still_gives_one_line(run: Run, place: str) -> None:
    """High 5: the line is written (valid JSON, the byte shown escaped), never lost."""
    headers = [bearer(synthetic_key()), (b"X-Stainless-Lang", b"python")]
    path = b"/v1/models"
    if place == "path":
        path = b"/v1/models/gpt-" + ODD.replace(b" ", b"_")
    else:
        headers.append((place.encode(), ODD))
    answer = raw(run.proxy, "GET", path, headers)
    line = run.line(answer.headers["x-authlens-id"])
    assert line["status"] == answer.status
    assert [e for e in run.lines() if e["event"] == "internal_error"] == []


@pytest.mark.parametrize(
    "key",
    [
        secrets.token_hex(16),  # an Azure key sent to api.openai.com
        "sk-" + secrets.token_urlsafe(36)[:48],  # a relay's key, no marker
        secrets.token_urlsafe(40),  # a gateway token with no prefix at all
    ],
    ids=["azure-hex", "relay-sk", "prefixless"],
)
def test_openai_masked_echo_is_not_republished(run: Run, key: str) -> None:
    """Medium 9: "Incorrect API key provided: a0759e97****ecff" never reaches our hint header,
    error.authlens, the log, the flow comment or the annotated message with 8+ characters."""
    answer = raw(run.proxy, "GET", b"/v1/models", [bearer(key)])
    assert answer.status == 401
    line = run.line(answer.headers["x-authlens-id"])
    ours = {
        "hint-header": answer.headers.get("x-authlens-hint", ""),
        "body": answer.body.decode("latin-1"),
        "line": orjson.dumps(line).decode(),
        "log": run.log.read_text(),
    }
    assert leaks(ours, key, prefix="sk-" if key.startswith("sk-") else "") == []


def test_an_aborted_upload_is_the_clients_doing(run: Run) -> None:
    """Low: a client that stops sending mid-body is `client_disconnected`, not upstream."""
    marker = "m" + uuid.uuid4().hex[:12]  # (32 hex digits would be redacted as a key)
    path = f"/v1/files?upload={marker}".encode()
    head = request_bytes("POST", path, [bearer(synthetic_key())], b"")
    head = head.replace(b"Content-Length: 0", b"Content-Length: 100000")
    with connect(run.proxy) as tls:
        tls.sendall(head + b"only the start")
        time.sleep(0.3)  # the proxy has read the head and waits for the body
    line = wait_for(
        lambda: next((e for e in run.lines() if marker in (e.get("path") or "")), None),
        10,
        "no line for the aborted upload",
    )
    assert line["cause"] == "client_disconnected"
    assert len([e for e in run.lines() if marker in (e.get("path") or "")]) == 1


def test_a_client_refusing_the_ca_gives_one_line(run: Run, tmp_path: Path) -> None:
    """Low: curl without our CA, in mitmproxy's eager mode: one `client_tls_failed` line."""
    marker = "m" + uuid.uuid4().hex[:12]  # (32 hex digits would be redacted as a key)
    before = len(run.lines())
    curl_without_our_ca(run.proxy.url, "-A", f"curl/{marker}", "https://api.openai.com/v1/models")
    wait_for(
        lambda: [e for e in run.lines()[before:] if e.get("cause") == "client_tls_failed"] or None,
        10,
        "no client_tls_failed line",
    )
    # A second line would come right after the first: wait for a later exchange's line.
    later = raw(run.proxy, "GET", b"/v1/models", [bearer(synthetic_key())])
    run.line(later.headers["x-authlens-id"])
    new = [e for e in run.lines()[before:] if e.get("id") != later.headers["x-authlens-id"]]
    assert [e["cause"] for e in new] == ["client_tls_failed"]


def test_eager_mode_client_refusing_the_ca_gives_one_line(
    make_proxy: ProxyFactory, fake: FakeOpenAI
) -> None:
    """Low: regular mode, eager connections: the upstream was reached, the client refused
    our certificate; one line, `client_tls_failed`."""
    proxy = make_proxy(
        "authlens", "--set", "authlens_hosts=localhost", "--set", "connection_strategy=eager"
    )
    curl_without_our_ca(proxy.url, f"https://localhost:{fake.port}/v1/models")
    first = wait_for(lambda: proxy.log_lines() or None, 10, "no line for the refused CA")
    # Any second line of this connection is written when it closes, before curl exits.
    proxy.stop()
    assert [e["cause"] for e in proxy.log_lines()] == ["client_tls_failed"], first


@pytest.mark.parametrize(
    "head",
    [
        b"POST /v1/files HTTP/1.1\r\nHost: api.openai.com\r\nContent-Length: abc\r\n\r\n",
        b"POST /v1/files HTTP/1.1\r\nHost: api.openai.com\r\nTransfer-Encoding: chunked\r\n"
        b"\r\nzz\r\n",
        b"GET /v1/models HTTP/1.1\r\nHost: api.openai.com\r\nBad Header Line\r\n\r\n",
    ],
    ids=["bad-length", "bad-chunk", "bad-header"],
)
def test_a_malformed_request_is_never_blamed_on_the_upstream(run: Run, head: bytes) -> None:
    """Low: a request mitmproxy cannot parse is the client's doing, never `upstream_*`."""
    before = len(run.lines())
    with connect(run.proxy) as tls:
        tls.sendall(head)
        # mitmproxy answers what it cannot parse and closes the connection: read to that end,
        # so the request was handled before the next one goes.
        with contextlib.suppress(OSError):  # a TLS close without close_notify, or a reset
            while tls.recv(4096):
                pass
    later = raw(run.proxy, "GET", b"/v1/models", [bearer(synthetic_key())])
    run.line(later.headers["x-authlens-id"])  # lines of the malformed request come first
    causes = [e.get("cause") for e in run.lines()[before:]]
    assert not [c for c in causes if c and c.startswith("upstream_")], causes


def test_an_unreachable_upstream_answers_in_openais_shape(make_proxy: ProxyFactory) -> None:
    """#14 item 8: the CONNECT mitmproxy lets us answer gets a 502 JSON error with our headers."""
    proxy = make_proxy("authlens", "--set", "authlens_hosts=localhost")
    done = curl_without_our_ca(
        proxy.url, "-D", "-", "-o", "/dev/null", "https://localhost:1/v1/models"
    )
    head = done.stdout.decode("latin-1")
    assert head.startswith("HTTP/1.1 502")
    fields = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in head.splitlines()[1:])
    }
    assert fields["x-authlens-cause"] == "upstream_unreachable"
    line = wait_for(
        lambda: next((e for e in proxy.log_lines() if e["id"] == fields["x-authlens-id"]), None),
        10,
        "no line for the failed CONNECT",
    )
    assert line["cause"] == "upstream_unreachable" and line["hint"] == fields["x-authlens-hint"]
