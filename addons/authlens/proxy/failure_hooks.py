"""The hooks that see connection-level failures: mitmproxy answered, or nothing was sent.

mitmproxy reports these in several hooks and never calls `response` for them: a flow's
`error` (its own 502, a connection that broke mid-answer), a CONNECT's `http_connect_error`,
and, without any flow, `server_connect_error`, `tls_failed_server` and `tls_failed_client`.
Connection hooks note a failure in `ConnectionWatch`; a flow's hook reports it with the
request it broke, or `client_disconnected` does when no flow came. Each failure becomes one
exchange line with level error and a connection-level cause (`connection_rules`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mitmproxy import connection, ctx, http
from mitmproxy.proxy.mode_specs import ReverseMode
from mitmproxy.proxy.server_hooks import ServerConnectionHookData
from mitmproxy.tls import ClientHelloData, TlsData

from authlens.diagnosis import connection_rules as cn
from authlens.diagnosis.client_runtime import guess_runtime
from authlens.diagnosis.connection_rules import failure_of
from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.history import KeyHistory
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange, Failure, Finding, Side
from authlens.output.events import build_event
from authlens.providers import HostMatcher, Profiles
from authlens.proxy.answers import failure_answer
from authlens.proxy.connwatch import ClientSeen, ConnectionWatch
from authlens.proxy.flowdata import (
    META,
    address_host,
    flow_to_exchange,
    flowless_exchange,
    new_state,
)
from authlens.proxy.flowscrub import request_secrets, scrub_flow
from authlens.proxy.hookguard import guarded
from authlens.secrets.redactor import PLAIN, Redactor

PROXY_SHUTDOWN = "proxy_shutdown"
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
    failure = failure_of(cn.CLIENT_TLS, message)
    confdir = getattr(ctx.options, "confdir", None)
    ca_dir = str(Path(confdir).expanduser()) if confdir else None
    return Failure(failure.kind, failure.detail, guess_runtime(seen.facts), ca_dir)


def refused_after_handshake(client: connection.Client, seen: ClientSeen) -> bool:
    if not client.tls_established or seen.requested or seen.pending is not None:
        return False
    setup, end = client.timestamp_tls_setup, client.timestamp_end or time.time()
    return setup is not None and end - setup < _QUICK_CLOSE


class FailureHooks:
    """Mixed into `AuthLens`, which provides the attributes and `emit` declared here."""

    inspected: HostMatcher
    profiles: Profiles
    history: KeyHistory
    connections: ConnectionWatch

    in_flight: dict[str, http.HTTPFlow]

    def emit(
        self, event: dict[str, Any], redactor: Redactor = PLAIN, exchange: Exchange | None = None
    ) -> None:
        raise NotImplementedError

    def internal_error(self, hook: str, error: Exception) -> None:
        raise NotImplementedError

    def is_inspected(self, flow: http.HTTPFlow) -> bool:
        return self.inspects(flow.client_conn, flow.request.pretty_host)

    def inspects(self, client: connection.Client, host: str) -> bool:
        return isinstance(client.proxy_mode, ReverseMode) or self.inspected(host)

    def start_state(
        self,
        flow: http.HTTPFlow,
        *,
        inspected: bool = True,
        id_added: bool = False,
        host: str | None = None,
    ) -> dict[str, Any]:
        """New per-flow state, with the host (`pretty_host`) and its provider resolved once."""
        if host is None:
            host = flow.request.pretty_host
        return new_state(
            flow, host=host, provider=self.profiles(host), inspected=inspected, id_added=id_added
        )

    @guarded
    def error(self, flow: http.HTTPFlow) -> None:
        """mitmproxy answered itself (502) or the exchange broke: log it once, with a cause."""
        self.in_flight.pop(flow.id, None)
        state = flow.metadata.get(META)
        if state is None and not flow.is_replay and self.is_inspected(flow):
            # The request hook never ran: an invalid request, or one that broke while read.
            state = flow.metadata[META] = self.start_state(flow)
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
            where, message = (pending.where, pending.message) if pending else (cn.FLOW, "")
            message = message or (flow.error.msg if flow.error else "")
            started = flow.response is not None
            failure = failure_of(where, message, secrets=redactor.secrets, response_started=started)
            if pending is None and not started and flow.request.timestamp_end is None:
                # The client stopped sending (an aborted upload, a malformed request).
                failure = Failure(cn.CLIENT_DISCONNECTED, failure.detail)
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
            state = self.start_state(flow)
            redactor = Redactor(request_secrets(flow.request))
            failure = failure_of(cn.CONNECT, message, secrets=redactor.secrets)
            event = self.emit_failure(flow_to_exchange(flow, state, failure), redactor)
            if response is not None and event["cause"] and event["hint"]:
                # mitmproxy sends the CONNECT's response after this hook: ours instead.
                flow.response = failure_answer(state["id"], event["cause"], event["hint"], None)
        finally:
            scrub_flow(flow)

    @guarded
    def server_connect_error(self, data: ServerConnectionHookData) -> None:
        host = address_host(data.server)
        self.connections.failed(data.client.id, cn.CONNECT, data.server.error or "", host)

    @guarded
    def tls_failed_server(self, data: TlsData) -> None:
        assert isinstance(data.conn, connection.Server)
        host = data.conn.sni or address_host(data.conn)
        self.connections.failed(data.context.client.id, cn.SERVER_TLS, data.conn.error or "", host)

    @guarded
    def tls_failed_client(self, data: TlsData) -> None:
        """The client refused our certificate: no HTTP happens on this connection."""
        client = data.context.client
        host = data.conn.sni or address_host(data.context.server)
        if self.inspects(client, host):
            seen = self.connections.get(client.id)
            # Eager mode may have failed towards the upstream as well: the client refusing
            # our certificate is what it sees, and the one line this connection gets.
            self.connections.take_failure(client.id)
            failure = client_tls_failure(data.conn.error or "", seen)
            self.emit_failure(flowless_exchange(client, host, self.profiles(host), failure, seen))

    @guarded
    def client_disconnected(self, client: connection.Client) -> None:
        seen = self.connections.forget(client.id)
        if seen is not None and refused_after_handshake(client, seen):
            # GnuTLS clients (wget) check the certificate after the handshake, then just close.
            host = client.sni or ""
            if host and self.inspects(client, host):
                failure = client_tls_failure(_AFTER_HANDSHAKE, seen)
                exchange = flowless_exchange(client, host, self.profiles(host), failure, seen)
                self.emit_failure(exchange)
            return
        pending = seen.pending if seen else None
        if seen is None or pending is None or not self.inspects(client, pending.host):
            return
        failure = failure_of(pending.where, pending.message)
        self.emit_failure(
            flowless_exchange(client, pending.host, self.profiles(pending.host), failure, seen)
        )

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
