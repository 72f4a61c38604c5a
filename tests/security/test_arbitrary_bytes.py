"""A property through one real proxy: any bytes in header values, the path and the body.

Hypothesis builds requests carrying a synthetic key in Authorization and arbitrary bytes
elsewhere; each must be answered, get exactly one line (no internal error), and no output
may hold a window of the key. Example counts stay modest: every example is a real exchange.
"""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.harness import synthetic_key, wait_for
from tests.security.kit import Run, bearer, leaks, raw

# Header values: any byte but CR, LF and NUL (which end or break the field in HTTP/1.1).
VALUE = st.binary(max_size=200).map(lambda b: b.translate(None, b"\r\n\x00").strip())
NAMES = st.sampled_from(
    [
        b"User-Agent",
        b"OpenAI-Organization",
        b"OpenAI-Project",
        b"X-Stainless-Lang",
        b"Cookie",
        b"Api-Key",
        b"X-Note",
    ]
)
# Path bytes: anything but what ends the request line (space, CR, LF) and '#'.
PATH = st.binary(max_size=120).map(lambda b: b.translate(None, b" \r\n#\x00"))
BODY = st.one_of(
    st.binary(max_size=2000),
    st.dictionaries(st.text(max_size=20), st.text(max_size=50), max_size=5).map(
        lambda d: repr(d).encode("utf-8", "surrogatepass")
    ),
)


KEYS: list[str] = []


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(headers=st.lists(st.tuples(NAMES, VALUE), max_size=4), path=PATH, body=BODY)
def test_any_bytes_get_one_line_and_no_key(
    run: Run, headers: list[tuple[bytes, bytes]], path: bytes, body: bytes
) -> None:
    """Answered, logged once, and the key nowhere in the log."""
    key = synthetic_key()
    KEYS.append(key)
    target = b"/v1/" + path  # raw: high bytes, controls, quotes, percent signs...
    request_id = f"req-{uuid.uuid4()}"
    sent = [bearer(key), (b"X-Client-Request-Id", request_id.encode()), *headers]
    answer = raw(run.proxy, "POST", target, sent, body)
    if "x-authlens-id" in answer.headers:
        line = run.line(answer.headers["x-authlens-id"])
        assert line["status"] == answer.status
    elif answer.status == 400:
        # mitmproxy refused the request line or a header itself: no flow ever existed.
        assert answer.headers.get("server", "").startswith("mitmproxy")
    else:
        # mitmproxy answered itself (the fake upstream refused the request): logged once.
        lines = wait_for(
            lambda: [e for e in run.lines() if e.get("client_request_id") == request_id] or None,
            10,
            f"no line for mitmproxy's own {answer.status}",
        )
        assert len(lines) == 1 and lines[0]["level"] == "error" and lines[0]["cause"]
    assert [e for e in run.lines() if e["event"] == "internal_error"] == []
    assert leaks({"log": run.log.read_text(errors="replace")}, key) == []


def test_and_no_key_in_any_stored_output(run: Run) -> None:
    """After the examples ran: stdout, stderr, `-w` and HAR hold none of their keys."""
    assert KEYS, "run after the property test"
    run.stop()
    outputs = run.outputs()
    for key in KEYS:
        assert leaks(outputs, key) == []
