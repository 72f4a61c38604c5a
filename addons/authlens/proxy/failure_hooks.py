"""The hooks that see connection-level failures: mitmproxy answered, or nothing was sent.

mitmproxy reports these in several hooks and never calls `response` for them: a flow's
`error` (its own 502, a connection that broke mid-answer), a CONNECT's `http_connect_error`,
and, without any flow, `server_connect_error`, `tls_failed_server` and `tls_failed_client`.
Connection hooks note a failure in `ConnectionWatch`; a flow's hook reports it with the
request it broke, or `client_disconnected` does when no flow came. Each failure becomes one
exchange line with level error and a connection-level cause (`failures`, `connection_rules`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from mitmproxy import connection, ctx, http
from mitmproxy.proxy.server_hooks import ServerConnectionHookData
from mitmproxy.tls import ClientHelloData, TlsData

from authlens.diagnosis.client_runtime import guess_runtime
from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.failures import (
    CLIENT_DISCONNECTED,
    CLIENT_TLS,
    CONNECT,
    FLOW,
    PROXY_SHUTDOWN,
    SERVER_TLS,
    failure_of,
)
from authlens.diagnosis.history import KeyHistory
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange, Failure, Finding, Side
from authlens.output.events import build_event
from authlens.proxy.answers import failure_answer
from authlens.proxy.connwatch import ClientSeen, ConnectionWatch
from authlens.proxy.flowdata import (
    META,
    address_host,
    flow_to_exchange,
    flowless_exchange,
    pretty_host,
)
from authlens.proxy.flowscrub import request_secrets, scrub_flow
from authlens.proxy.hookguard import guarded
from authlens.proxy.inspection import Scope, inspects, start_state
from authlens.secrets.redactor import PLAIN, Redactor

_SHUTDOWN_HINT = (
    "authlens (mitmproxy) was stopped while this exchange was in flight; the client got no "
    "complete answer: send it again once the proxy runs."
)

# A client that completes the handshake and leaves this soon without a request refused it.
_QUICK_CLOSE = 2.0
_AFTER_HANDSHAKE = (
    "The client closed the connection right after the TLS handshake without a request: it "
    "checked the certificate afterwards and refused it"
)


def client_tls_failure(message: str, seen: ClientSeen) -> Failure:
    """client_tls_failed with the runtime the handshake showed and the running CA's folder."""
    failure = failure_of(CLIENT_TLS, message)
    confdir = getattr(ctx.options, "confdir", None)
    ca_dir = str(Path(confdir).expanduser()) if confdir else None
    return Failure(failure.kind, failure.detail, guess_runtime(seen.facts), ca_dir)


def refused_after_handshake(client: connection.Client, seen: ClientSeen) -> bool:
    if not client.tls_established or seen.requested or seen.pending is not None:
        return False
    setup, end = client.timestamp_tls_setup, client.timestamp_end or time.time()
    return setup is not None and end - setup < _QUICK_CLOSE


class Emit(Protocol):
    """Writes one exchange line, redacting the exchange's credentials (`AuthLens.emit`)."""

    def __call__(
        self, event: dict[str, Any], redactor: Redactor = ..., exchange: Exchange | None = ...
    ) -> None: ...


class FailureHooks:
    """A second addon, listed in `AuthLens.addons`: mitmproxy calls its hooks right after
    AuthLens's own, so both keep their place among the other addons.

    It is given what it shares with `AuthLens`: the configured scope (read at each call:
    `configure` replaces the matcher and profiles), the key history, the connection notes,
    the flows still in flight, and where lines and internal errors go.
    """

    def __init__(
        self,
        scope: Scope,
        *,
        history: KeyHistory,
        connections: ConnectionWatch,
        in_flight: dict[str, http.HTTPFlow],
        emit: Emit,
        report: Callable[[str, Exception], None],
    ) -> None:
        self.scope = scope
        self.history = history
        self.connections = connections
        self.in_flight = in_flight  # AuthLens adds a flow in `request`, drops it when logged
        self.emit = emit
        self.report = report

    def internal_error(self, hook: str, error: Exception) -> None:
        """Where `guarded` reports our own failure: AuthLens's `internal_error` line."""
        self.report(hook, error)

    def is_inspected(self, flow: http.HTTPFlow) -> bool:
        return inspects(self.scope, flow.client_conn, pretty_host(flow.request))

    @guarded
    def error(self, flow: http.HTTPFlow) -> None:
        """mitmproxy answered itself (502) or the exchange broke: log it once, with a cause."""
        self.in_flight.pop(flow.id, None)
        state = flow.metadata.get(META)
        if state is None and not flow.is_replay and self.is_inspected(flow):
            # The request hook never ran: an invalid request, or one that broke while read.
            state = flow.metadata[META] = start_state(flow, self.scope)
        if state is None or state.get("logged"):
            return
        if _shutting_down():
            self.shutdown_flow(flow)
            return
        redactor = None
        try:
            state["logged"] = True
            redactor = Redactor(request_secrets(flow.request))
            pending = self.connections.take_failure(flow.client_conn.id)
            where, message = (pending.where, pending.message) if pending else (FLOW, "")
            message = message or (flow.error.msg if flow.error else "")
            started = flow.response is not None
            failure = failure_of(where, message, secrets=redactor.secrets, response_started=started)
            if pending is None and not started and flow.request.timestamp_end is None:
                # The client stopped sending (an aborted upload, a malformed request).
                failure = Failure(CLIENT_DISCONNECTED, failure.detail)
            self.emit_failure(flow_to_exchange(flow, state, failure), redactor)
        finally:
            scrub_flow(flow, redactor)

    def shutdown_flow(self, flow: http.HTTPFlow) -> None:
        """A flow still in flight when the proxy stops: one `proxy_shutdown` line, scrubbed."""
        redactor = None
        try:
            state = flow.metadata.get(META)
            if state is None or state.get("logged"):
                return
            state["logged"] = True
            redactor = Redactor(request_secrets(flow.request))
            failure = Failure(PROXY_SHUTDOWN, "the proxy stopped")
            finding = Finding(PROXY_SHUTDOWN, _SHUTDOWN_HINT, Side.CONNECTION)
            self.emit_failure(flow_to_exchange(flow, state, failure), redactor, finding)
        except Exception as e:
            self.internal_error("done", e)
        finally:
            scrub_flow(flow, redactor)

    @guarded
    def http_connect(self, flow: http.HTTPFlow) -> None:
        agent = flow.request.headers.get("user-agent")
        names = tuple(flow.request.headers.keys())  # their case tells Node apart
        self.connections.saw_connect(flow.client_conn.id, agent, names)

    @guarded
    def tls_clienthello(self, data: ClientHelloData) -> None:
        hello = data.client_hello
        alpn = tuple(p.decode("ascii", "replace") for p in hello.alpn_protocols)
        extensions = tuple(kind for kind, _ in hello.extensions)
        self.connections.saw_hello(data.context.client.id, alpn, extensions)

    @guarded
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        self.connections.saw_request(flow.client_conn.id)

    @guarded
    def http_connect_error(self, flow: http.HTTPFlow) -> None:
        """mitmproxy answered a CONNECT with its own 502: the upstream was not reachable."""
        try:
            response = flow.response
            # Anything else (a 407 from proxyauth) is about the client's proxy settings.
            ours = flow.error is not None or (response is not None and response.status_code == 502)
            if not ours or not self.is_inspected(flow):
                return
            self.connections.take_failure(flow.client_conn.id)
            message = flow.error.msg if flow.error else ""
            if not message and response is not None:
                message = response.get_text(strict=False) or ""
            state = start_state(flow, self.scope)
            redactor = Redactor(request_secrets(flow.request))
            failure = failure_of(CONNECT, message, secrets=redactor.secrets)
            event = self.emit_failure(flow_to_exchange(flow, state, failure), redactor)
            if response is not None and event["cause"] and event["hint"]:
                # mitmproxy sends the CONNECT's response after this hook: ours instead.
                flow.response = failure_answer(state["id"], event["cause"], event["hint"], None)
        finally:
            scrub_flow(flow)

    @guarded
    def server_connect_error(self, data: ServerConnectionHookData) -> None:
        host = address_host(data.server)
        self.connections.failed(data.client.id, CONNECT, data.server.error or "", host)

    @guarded
    def tls_failed_server(self, data: TlsData) -> None:
        assert isinstance(data.conn, connection.Server)
        host = data.conn.sni or address_host(data.conn)
        self.connections.failed(data.context.client.id, SERVER_TLS, data.conn.error or "", host)

    @guarded
    def tls_failed_client(self, data: TlsData) -> None:
        """The client refused our certificate: no HTTP happens on this connection."""
        client = data.context.client
        host = data.conn.sni or address_host(data.context.server)
        if inspects(self.scope, client, host):
            seen = self.connections.get(client.id)
            # Eager mode may have failed towards the upstream as well: the client refusing
            # our certificate is what it sees, and the one line this connection gets.
            self.connections.take_failure(client.id)
            failure = client_tls_failure(data.conn.error or "", seen)
            self.emit_flowless(client, host, failure, seen)

    @guarded
    def client_disconnected(self, client: connection.Client) -> None:
        seen = self.connections.forget(client.id)
        if seen is not None and refused_after_handshake(client, seen):
            # GnuTLS clients (wget) check the certificate after the handshake, then just close.
            host = client.sni or ""
            if host and inspects(self.scope, client, host):
                self.emit_flowless(client, host, client_tls_failure(_AFTER_HANDSHAKE, seen), seen)
            return
        pending = seen.pending if seen else None
        if seen is None or pending is None or not inspects(self.scope, client, pending.host):
            return
        self.emit_flowless(client, pending.host, failure_of(pending.where, pending.message), seen)

    def emit_flowless(
        self, client: connection.Client, host: str, failure: Failure, seen: ClientSeen
    ) -> None:
        """The line of a connection that failed before any request: no flow to report with."""
        profile = self.scope.profiles(host)
        self.emit_failure(flowless_exchange(client, host, profile, failure, seen))

    def emit_failure(
        self, exchange: Exchange, redactor: Redactor = PLAIN, finding: Finding | None = None
    ) -> dict[str, Any]:
        """One exchange line for a failure: level error, `null` for what never happened."""
        ev = gather_evidence(exchange, self.history)
        if finding is None:
            finding = diagnose(ev)
        if finding is not None and finding.side is not Side.CONNECTION:
            finding = None  # nothing reached the upstream: what was sent is not the cause
        if ev.secrets:
            redactor = Redactor(redactor.secrets + ev.secrets)
        event = build_event(ev, finding, redactor)
        event["level"] = "error"
        event["method"] = event["method"] or None
        event["path"] = event["path"] or None
        self.emit(event, redactor, exchange)
        return event


def _shutting_down() -> bool:
    """Whether mitmproxy is stopping (Ctrl-C, SIGTERM, `docker stop`)."""
    should_exit = getattr(getattr(ctx, "master", None), "should_exit", None)
    return bool(should_exit is not None and should_exit.is_set())
