"""What kind of connection failure mitmproxy reported: where it saw it, and its message.

mitmproxy reports these through its `error`, `http_connect_error`, `server_connect_error` and
`tls_failed_*` hooks with a message of its own; `failure_of` turns the hook (`CLIENT_TLS`,
`SERVER_TLS`, `CONNECT`, `FLOW`) and that message into an `Exchange.failure` of one of
`KINDS`, its message redacted. `connection_rules` turns each kind into a hint. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from authlens.exchange import Failure
from authlens.secrets.redactor import redact_text

UPSTREAM_UNREACHABLE = "upstream_unreachable"
UPSTREAM_TLS_FAILED = "upstream_tls_failed"
CLIENT_TLS_FAILED = "client_tls_failed"
# A connection that broke after the exchange had started (codes authlens added to section 7).
UPSTREAM_DISCONNECTED = "upstream_disconnected"
CLIENT_DISCONNECTED = "client_disconnected"
KILLED = "killed"  # ended by mitmproxy itself: logged without a cause, nobody else is at fault
# Set by the proxy when it stops with the exchange in flight; no message is classified as it.
PROXY_SHUTDOWN = "proxy_shutdown"
KINDS = (
    UPSTREAM_UNREACHABLE,
    UPSTREAM_TLS_FAILED,
    CLIENT_TLS_FAILED,
    UPSTREAM_DISCONNECTED,
    CLIENT_DISCONNECTED,
    KILLED,
    PROXY_SHUTDOWN,
)


# Where mitmproxy saw the failure (which hook reported it).
CLIENT_TLS = "client_tls"
SERVER_TLS = "server_tls"
CONNECT = "connect"  # opening the upstream connection: server_connect_error, CONNECT's 502
FLOW = "flow"  # the `error` hook of an HTTP flow

_TLS = re.compile(r"(?i)certificate|\btls\b|\bssl\b|handshake|does not speak tls|x509")
_UNREACHABLE = re.compile(
    r"(?i)connect call failed|connection refused|cannot connect|name or service not known"
    r"|nodename nor servname|temporary failure in name resolution|getaddrinfo|no address"
    r"|timed out|timeout|network is unreachable|no route to host|host is unreachable"
    r"|refused http connect|errno"
)
_CLIENT_GONE = re.compile(r"(?i)client disconnected|client closed|stream reset by client")
# mitmproxy (or a script) ended the connection itself, e.g. HTTP/2 with prior knowledge.
_KILLED = re.compile(r"(?i)connection killed|\bkilled\b")


def classify_failure(where: str, message: str, *, response_started: bool = False) -> str:
    """The failure kind for a mitmproxy failure seen at `where` with `message`."""
    if where == CLIENT_TLS:
        return CLIENT_TLS_FAILED
    if where == SERVER_TLS:
        return UPSTREAM_TLS_FAILED
    if _CLIENT_GONE.search(message):
        return CLIENT_DISCONNECTED
    if _KILLED.search(message):
        return KILLED
    if response_started:
        return UPSTREAM_DISCONNECTED
    if _TLS.search(message):
        return UPSTREAM_TLS_FAILED
    if where == CONNECT or _UNREACHABLE.search(message):
        return UPSTREAM_UNREACHABLE
    return UPSTREAM_DISCONNECTED


def failure_of(
    where: str, message: str, *, secrets: Iterable[str] = (), response_started: bool = False
) -> Failure:
    """The `Exchange.failure` for a mitmproxy failure; its message is redacted first."""
    kind = classify_failure(where, message, response_started=response_started)
    return Failure(kind, redact_text(message, secrets))
