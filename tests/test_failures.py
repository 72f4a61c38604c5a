"""mitmproxy's failure reports to failure kinds: where it saw the failure, and its message."""

from __future__ import annotations

import pytest

from authlens.causes import ALL_CODES
from authlens.diagnosis.failures import (
    CLIENT_DISCONNECTED,
    CLIENT_TLS,
    CLIENT_TLS_FAILED,
    CONNECT,
    FLOW,
    KILLED,
    KINDS,
    SERVER_TLS,
    UPSTREAM_DISCONNECTED,
    UPSTREAM_TLS_FAILED,
    UPSTREAM_UNREACHABLE,
    classify_failure,
    failure_of,
)
from tests.keyfactory import leaks, project_key

KEY = project_key(21)
CLIENT_REFUSED = "The client does not trust the proxy's certificate for x (tlsv1 alert unknown ca)"
PROXY_REFUSED = "Upstream proxy 10.0.0.1:3128 refused HTTP CONNECT request: 502 Bad Gateway"
BODY_CUT = "peer closed connection without sending complete message body"

# Messages as mitmproxy 12 writes them (seen in its sources and in real runs), by the kind
# they mean: (where the failure was seen, its message, whether the response had started).
CLASSIFIED: dict[str, list[tuple[str, str, bool]]] = {
    UPSTREAM_UNREACHABLE: [
        (CONNECT, "Cannot connect to 127.0.0.1:1: [Errno 111] Connect call failed", False),
        (CONNECT, "[Errno -2] Name or service not known", False),
        (CONNECT, "", False),
        (FLOW, "[Errno 111] Connect call failed ('127.0.0.1', 9)", False),
        (FLOW, "[Errno -3] Temporary failure in name resolution", False),
        (FLOW, PROXY_REFUSED, False),
        (FLOW, "TimeoutError: timed out", False),
    ],
    UPSTREAM_TLS_FAILED: [
        (FLOW, "Certificate verify failed: unable to get local issuer certificate", False),
        (FLOW, "The remote server does not speak TLS.", False),
        (SERVER_TLS, "anything", False),
    ],
    CLIENT_TLS_FAILED: [(CLIENT_TLS, CLIENT_REFUSED, False)],
    CLIENT_DISCONNECTED: [
        (FLOW, "Client disconnected.", True),
        (FLOW, "Client disconnected.", False),
        (FLOW, "stream reset by client (CANCEL)", True),
    ],
    UPSTREAM_DISCONNECTED: [
        (FLOW, "Server disconnected.", True),
        (FLOW, BODY_CUT, True),
        (FLOW, "Server disconnected.", False),
    ],
    KILLED: [(FLOW, "Connection killed.", False)],
}


@pytest.mark.parametrize(
    ("where", "message", "started", "kind"),
    [(*report, kind) for kind, reports in CLASSIFIED.items() for report in reports],
)
def test_classify_failure(where: str, message: str, started: bool, kind: str) -> None:
    """Where mitmproxy saw the failure, and its message, give the failure kind."""
    assert classify_failure(where, message, response_started=started) == kind


def test_failure_of_redacts_the_message() -> None:
    """A mitmproxy message quoting a credential is stored redacted (known and key-shaped)."""
    secret = "hunter2-but-longer"
    failure = failure_of(FLOW, f"bad header {secret} and {KEY}", secrets=[secret])
    assert failure.kind == UPSTREAM_DISCONNECTED
    assert secret not in failure.detail
    assert not leaks(failure.detail, KEY, "sk-proj-")


def test_every_kind_but_killed_is_a_cause_code() -> None:
    """A failure's kind is the cause it is logged with; `killed` is logged without one."""
    assert {kind for kind in KINDS if kind != KILLED} <= ALL_CODES
    assert KILLED not in ALL_CODES
