"""Connection-level rules: nothing (or not all of it) went through (contract section 7).

mitmproxy reports these through its `error`, `http_connect_error`, `server_connect_error` and
`tls_failed_*` hooks with a message of its own. `classify_failure` turns where a failure was
seen and that message into a kind; the rules below turn an `Exchange.failure` of each kind
into a finding whose hint says what to change. Pure: no mitmproxy here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from authlens.diagnosis.evidence import Evidence
from authlens.diagnosis.hints import one_line, quote_snippet
from authlens.exchange import Failure, Finding, Side
from authlens.secrets.redactor import redact_text

UPSTREAM_UNREACHABLE = "upstream_unreachable"
UPSTREAM_TLS_FAILED = "upstream_tls_failed"
CLIENT_TLS_FAILED = "client_tls_failed"
# A connection that broke after the exchange had started (codes authlens added to section 7).
UPSTREAM_DISCONNECTED = "upstream_disconnected"
CLIENT_DISCONNECTED = "client_disconnected"
KILLED = "killed"  # ended by mitmproxy itself: logged without a cause, nobody else is at fault


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

CA_FILE = "~/.mitmproxy/mitmproxy-ca-cert.pem"
# (user agent pattern, runtime, what to set); first match wins.
_RUNTIMES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"(?i)^curl/"), "curl", f"pass --cacert {CA_FILE} or set CURL_CA_BUNDLE"),
    (re.compile(r"(?i)python-requests/"), "requests", f"set REQUESTS_CA_BUNDLE={CA_FILE}"),
    (
        re.compile(r"(?i)^(async)?(azure)?openai/python|python-httpx/|aiohttp/|python-urllib/"),
        "Python (httpx/openai-python)",
        f"set SSL_CERT_FILE={CA_FILE}",
    ),
    (
        re.compile(r"(?i)^(azure)?openai/js|\bnode\b|node-fetch|undici|axios/|\bbun/|deno/"),
        "Node",
        f"set NODE_EXTRA_CA_CERTS={CA_FILE}",
    ),
)
_ANY_RUNTIME = (
    f"set the CA variable of the client's runtime to {CA_FILE}: SSL_CERT_FILE (Python "
    "httpx/openai-python), REQUESTS_CA_BUNDLE (requests), NODE_EXTRA_CA_CERTS (Node), "
    "--cacert or CURL_CA_BUNDLE (curl); `authlens env` prints them"
)


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


def ca_advice(request_headers: Mapping[str, str]) -> str:
    """What the client's runtime needs to trust the authlens CA, guessed from its user agent."""
    agent = request_headers.get("user-agent", "")
    for pattern, runtime, advice in _RUNTIMES:
        if pattern.search(agent):
            return f"the client looks like {runtime}: {advice}"
    if request_headers.get("x-stainless-lang", "").lower() == "python":
        return f"the client looks like Python (openai-python): set SSL_CERT_FILE={CA_FILE}"
    return _ANY_RUNTIME


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _connection(cause: str, hint: str) -> Finding:
    # Hosts and mitmproxy messages are quoted: keep the hint one printable ASCII line.
    return Finding(cause, _CONTROL.sub("?", one_line(hint)), Side.CONNECTION)


def _said(ev: Evidence) -> str:
    failure = ev.exchange.failure
    return f" (mitmproxy: {quote_snippet(failure.detail, 140)})" if failure else ""


def _kind_is(ev: Evidence, kind: str) -> bool:
    return ev.exchange.failure is not None and ev.exchange.failure.kind == kind


def upstream_unreachable(ev: Evidence) -> Finding | None:
    """DNS, connect or timeout failure towards the upstream."""
    if not _kind_is(ev, UPSTREAM_UNREACHABLE):
        return None
    return _connection(
        UPSTREAM_UNREACHABLE,
        f"authlens could not connect to {ev.exchange.host}{_said(ev)}: check the host name, "
        "DNS, firewall, and the upstream proxy given with --mode upstream:URL if any.",
    )


def upstream_tls_failed(ev: Evidence) -> Finding | None:
    """The upstream's certificate was refused (a corporate TLS proxy, a self-signed server)."""
    if not _kind_is(ev, UPSTREAM_TLS_FAILED):
        return None
    return _connection(
        UPSTREAM_TLS_FAILED,
        f"authlens refused the TLS certificate of {ev.exchange.host}{_said(ev)}: if a corporate "
        "TLS proxy sits in between, start authlens with "
        "--set ssl_verify_upstream_trusted_ca=/path/to/corporate-ca.pem.",
    )


def client_tls_failed(ev: Evidence) -> Finding | None:
    """The client refused the certificate authlens showed it: it does not trust our CA."""
    if not _kind_is(ev, CLIENT_TLS_FAILED):
        return None
    return _connection(
        CLIENT_TLS_FAILED,
        f"The client did not accept the authlens certificate for {ev.exchange.host}; "
        f"{ca_advice(ev.exchange.request_headers)}.",
    )


def upstream_disconnected(ev: Evidence) -> Finding | None:
    """The upstream closed or reset the connection before its response was complete."""
    if not _kind_is(ev, UPSTREAM_DISCONNECTED):
        return None
    return _connection(
        UPSTREAM_DISCONNECTED,
        f"The connection to {ev.exchange.host} broke before the response was complete"
        f"{_said(ev)}; the client got a partial answer: retry, and check the upstream's status.",
    )


def client_disconnected(ev: Evidence) -> Finding | None:
    """The client went away before the response was complete."""
    if not _kind_is(ev, CLIENT_DISCONNECTED):
        return None
    return _connection(
        CLIENT_DISCONNECTED,
        f"The client closed the connection before the response was complete{_said(ev)}: "
        "check its timeout (OpenAI SDKs: timeout=, default 600 s) or whether it was cancelled.",
    )
