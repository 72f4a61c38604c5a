"""The mitmproxy addon: the only module that imports mitmproxy.

Each hook guards early, turns the flow into an `Exchange`, calls the pure core, and writes
the result back: headers and body to the client, one JSON line to the log, and a scrubbed
copy of the request into the stored flow (after it was sent upstream, before mitmproxy's
save and HAR addons write it).
"""

from __future__ import annotations

import functools
import logging
import re
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional

from mitmproxy import connection, ctx, exceptions, http
from mitmproxy.proxy.mode_specs import ProxyMode, ReverseMode
from mitmproxy.proxy.server_hooks import ServerConnectionHookData
from mitmproxy.tls import TlsData

from authlens import connection_rules as cn
from authlens.annotate import annotate_error_body
from authlens.connection_rules import failure_of
from authlens.connwatch import ConnectionWatch
from authlens.events import build_event, rfc3339
from authlens.evidence import Evidence, gather_evidence
from authlens.exchange import Exchange, Finding
from authlens.exposure import startup_warnings
from authlens.flowdata import (
    address_host,
    flow_secrets,
    flow_to_exchange,
    flowless_exchange,
    new_state,
)
from authlens.flowscrub import scrub_flow
from authlens.history import KeyHistory, KeySeen
from authlens.logsink import make_logger
from authlens.providers import HostMatcher
from authlens.rules import diagnose
from authlens.settings import Settings, SettingsError, load_settings

META = "authlens"
_log = logging.getLogger(__name__)

# (option, type, help) for every `--set authlens_*`; booleans are text so "unset" differs
# from "false" and the layering (file < environment < option) stays exact.
OPTIONS: tuple[tuple[str, Any, str], ...] = (
    ("config", Optional[str], "Path of a TOML settings file (see config/default.toml)."),  # noqa: UP045
    ("log_file", Optional[str], "Also append the JSON lines to this file."),  # noqa: UP045
    ("log_stdout", Optional[str], "Write the JSON lines to stdout: true or false (default true)."),  # noqa: UP045
    ("hosts", Sequence[str], "Inspected hosts, glob patterns (default: OpenAI and Azure OpenAI)."),
    ("annotate_body", Optional[str], "Write the hint into JSON error bodies: true or false."),  # noqa: UP045
    ("log_all", Optional[str], "Also log traffic to hosts that are not inspected: true or false."),  # noqa: UP045
)


def guarded[F: Callable[..., None]](hook: F) -> F:
    """Never let our own failure break a flow: log it as `internal_error` and go on."""

    @functools.wraps(hook)
    def wrapper(self: AuthLens, *args: Any) -> None:
        try:
            hook(self, *args)
        except Exception as e:
            self.internal_error(hook.__name__, e)

    return wrapper  # type: ignore[return-value]


_HEADER_UNSAFE = re.compile(r"[^\x20-\x7e]")


def header_value(text: str) -> str:
    """`text` as printable ASCII: a control character quoted from a body would break HTTP."""
    return _HEADER_UNSAFE.sub("?", text)


def failure_location(error: BaseException) -> str:
    """`module.py:123 in function` of the innermost frame: secret-free, unlike a message."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"


class AuthLens:
    """Redacts, diagnoses and logs exchanges with OpenAI-compatible APIs."""

    def __init__(self) -> None:
        # Validated in `configure`, whose errors name the variable or file at fault.
        self.settings = Settings.model_construct()
        self.inspected = HostMatcher(self.settings.hosts)
        self.history = KeyHistory(self.settings.history_size)
        self.connections = ConnectionWatch()
        self.logger: Any = None

    def load(self, loader: Any) -> None:
        for name, typespec, help_text in OPTIONS:
            default: Any = [] if typespec == Sequence[str] else None
            loader.add_option(f"authlens_{name}", typespec, default, help_text)

    def configure(self, updated: set[str]) -> None:
        # Not guarded: a bad option must stop startup with its message.
        if self.logger is not None and not any(u.startswith("authlens_") for u in updated):
            return
        overrides: dict[str, Any] = {}
        for name, _, _ in OPTIONS[1:]:
            value = getattr(ctx.options, f"authlens_{name}")
            if value not in (None, []):
                overrides[name] = value
        config = ctx.options.authlens_config
        try:
            settings = load_settings(Path(config) if config else None, overrides)
            logger = make_logger(stdout=settings.log_stdout, log_file=settings.log_file)
        except SettingsError as e:
            raise exceptions.OptionsError(str(e)) from e
        except OSError as e:
            raise exceptions.OptionsError(f"authlens log file cannot be opened: {e}") from e
        self.settings = settings
        self.inspected = HostMatcher(settings.hosts)
        self.history.capacity = settings.history_size
        self.logger = logger

    @guarded
    def running(self) -> None:
        options = ctx.options
        listen = [ProxyMode.parse(m).listen_host(options.listen_host) for m in options.mode]
        confdir = Path(options.confdir)
        for warning in startup_warnings(listen, proxyauth=bool(options.proxyauth), confdir=confdir):
            _log.warning("authlens: %s", warning)

    def is_inspected(self, flow: http.HTTPFlow) -> bool:
        return self.inspects(flow.client_conn, flow.request.pretty_host)

    def inspects(self, client: connection.Client, host: str) -> bool:
        return isinstance(client.proxy_mode, ReverseMode) or self.inspected(host)

    @guarded
    def request(self, flow: http.HTTPFlow) -> None:
        if not flow.live or flow.is_replay or not self.is_inspected(flow):
            return
        added = "x-client-request-id" not in flow.request.headers
        state = new_state(flow, client_request_id_added=added)
        if added:
            # Lets OpenAI support find the request even if no response ever comes back.
            flow.request.headers["X-Client-Request-Id"] = state["id"]
        flow.metadata[META] = state

    @guarded
    def responseheaders(self, flow: http.HTTPFlow) -> None:
        state = flow.metadata.get(META)
        if state is None or flow.response is None:
            return
        # Set now: a streamed response's headers reach the client before `response` runs.
        flow.response.headers["X-Authlens-Id"] = state["id"]
        if flow.response.headers.get("content-type", "").startswith("text/event-stream"):
            # Pass events on as they arrive; mitmproxy buffers whole bodies by default.
            flow.response.stream = True
            state["stream"] = True
            # The headers leave before `response` runs: the id must be set now.
            flow.response.headers["X-Authlens-Id"] = state["id"]

    @guarded
    def response(self, flow: http.HTTPFlow) -> None:
        state = flow.metadata.get(META)
        if state is None or flow.response is None or state.get("logged"):
            return
        self.connections.take_failure(flow.client_conn.id)  # it recovered: nothing to report
        try:
            state["logged"] = True
            exchange = flow_to_exchange(flow, state)
            ev = gather_evidence(exchange, self.history)
            finding = diagnose(ev)
            event = build_event(ev, finding)
            # Everything is computed before the flow changes: if our code fails, it is untouched.
            self.annotate(flow, ev, finding)
            self.remember(ev)
            self.emit(event)
        finally:
            # Even when our diagnosis failed, the stored flow must not keep the key.
            scrub_flow(flow)

    @guarded
    def error(self, flow: http.HTTPFlow) -> None:
        """mitmproxy answered itself (502) or the exchange broke: log it once, with a cause."""
        state = flow.metadata.get(META)
        if state is None and not flow.is_replay and self.is_inspected(flow):
            # The request hook never ran: an invalid request, or one that broke while read.
            state = flow.metadata[META] = new_state(flow, client_request_id_added=False)
        if state is None or state.get("logged"):
            return
        try:
            state["logged"] = True
            pending = self.connections.take_failure(flow.client_conn.id)
            where, message = (pending.where, pending.message) if pending else (cn.FLOW, "")
            message = message or (flow.error.msg if flow.error else "")
            started = flow.response is not None
            failure = failure_of(
                where, message, secrets=flow_secrets(flow), response_started=started
            )
            self.emit_failure(flow_to_exchange(flow, state, failure))
        finally:
            scrub_flow(flow)

    @guarded
    def http_connect(self, flow: http.HTTPFlow) -> None:
        agent = flow.request.headers.get("user-agent")
        self.connections.saw_connect(flow.client_conn.id, agent)

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
            state = new_state(flow, client_request_id_added=False)
            failure = failure_of(cn.CONNECT, message, secrets=flow_secrets(flow))
            self.emit_failure(flow_to_exchange(flow, state, failure))
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
            failure = failure_of(cn.CLIENT_TLS, data.conn.error or "")
            seen = self.connections.get(client.id)
            self.emit_failure(flowless_exchange(client, host, failure, seen))

    @guarded
    def client_disconnected(self, client: connection.Client) -> None:
        seen = self.connections.forget(client.id)
        pending = seen.pending if seen else None
        if seen is None or pending is None or not self.inspects(client, pending.host):
            return
        failure = failure_of(pending.where, pending.message)
        self.emit_failure(flowless_exchange(client, pending.host, failure, seen))

    def emit_failure(self, exchange: Exchange) -> None:
        """One exchange line for a failure: level error, `null` for what never happened."""
        ev = gather_evidence(exchange, self.history)
        event = build_event(ev, diagnose(ev))
        event["level"] = "error"
        event["method"] = event["method"] or None
        event["path"] = event["path"] or None
        self.emit(event)

    def annotate(self, flow: http.HTTPFlow, ev: Evidence, finding: Finding | None) -> None:
        response = flow.response
        assert response is not None
        body = None
        if finding is not None and self.settings.annotate_body:
            body = annotate_error_body(
                ev.exchange.response_body,
                cause=finding.cause,
                hint=finding.hint,
                exchange_id=ev.exchange.id,
                key=ev.key,
                secrets=ev.secrets,
            )
        response.headers["X-Authlens-Id"] = ev.exchange.id
        if finding is None:
            return
        response.headers["X-Authlens-Cause"] = header_value(finding.cause)
        response.headers["X-Authlens-Hint"] = header_value(finding.hint)
        flow.marked = ":mag:"
        flow.comment = f"authlens: {finding.cause}: {finding.hint}"
        if body is not None:
            response.content = body  # re-encoded with the same Content-Encoding

    def remember(self, ev: Evidence) -> None:
        """Record a key's success for later revocation and mismatch hints."""
        status = ev.exchange.status
        if ev.key is None or status is None or not 200 <= status < 300:
            return
        headers = ev.exchange.response_headers
        self.history.record_success(
            ev.key,
            KeySeen(
                ev.exchange.ended, headers.get("openai-organization"), headers.get("openai-project")
            ),
        )

    def emit(self, event: dict[str, Any]) -> None:
        if self.logger is not None:
            getattr(self.logger, event["level"])(**event)

    def internal_error(self, hook: str, error: Exception) -> None:
        """Report our own failure without secrets; the flow goes on untouched.

        The exception's message may quote a header or a body (a credential that is not
        key-shaped would slip past redaction), so only its type and place are reported.
        """
        try:
            where = failure_location(error)
            _log.warning(
                "authlens: internal error in %s: %s at %s", hook, type(error).__name__, where
            )
            if self.logger is not None:
                self.logger.error(
                    event="internal_error",
                    level="error",
                    hook=hook,
                    error=type(error).__name__,
                    where=where,
                    timestamp=rfc3339(time.time()),
                )
        except Exception:  # noqa: S110  # reporting must not break the flow either
            pass
