"""The mitmproxy addon: the hooks of a successful or failed HTTP exchange.

Only `authlens.proxy` imports mitmproxy (`tests/test_layering.py`): this module, its failure
hooks (`failure_hooks`) and the flow readers and writers beside it. Each hook guards early,
turns the flow into an `Exchange`, calls the pure core, and writes the result back: headers
and body to the client, one JSON line to the log, and a scrubbed copy of the request into
the stored flow (after it was sent upstream, before mitmproxy's save and HAR addons write it).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mitmproxy import ctx, exceptions, http
from mitmproxy.proxy.mode_specs import ProxyMode

from authlens.diagnosis.evidence import Evidence, gather_evidence
from authlens.diagnosis.history import KeyHistory, record_exchange
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange, Finding
from authlens.options import OPTION_NAMES, OPTIONS
from authlens.output.annotate import annotate_error_body
from authlens.output.events import REDACTED_FIELDS, build_event, rfc3339
from authlens.output.human import HumanView, human_view
from authlens.output.logsink import REDACTED_FIELD, SECRETS_FIELD, JsonLog, open_log
from authlens.providers import HostMatcher, Profiles
from authlens.proxy.banner import show_banner, stdout_fd
from authlens.proxy.connwatch import ConnectionWatch
from authlens.proxy.exposure import startup_warnings
from authlens.proxy.failure_hooks import FailureHooks
from authlens.proxy.flowdata import (
    META,
    fallback_event,
    flow_to_exchange,
    has_header,
    header_text,
    pretty_host,
    reply_facts,
    set_headers,
)
from authlens.proxy.flowscrub import request_secrets, scrub_flow, scrub_response
from authlens.proxy.hookguard import failure_location, guarded
from authlens.proxy.inspection import inspects, start_state
from authlens.proxy.recorded import record_diagnosis
from authlens.secrets.redactor import PLAIN, Redactor
from authlens.secrets.text import header_safe
from authlens.settings import Settings, SettingsError, load_settings
from authlens.telemetry import ReplyFacts, Telemetry, TelemetryError, open_telemetry

_log = logging.getLogger(__name__)


def on_terminal() -> bool:
    """Whether mitmproxy runs attached to a terminal (any of stdin, stdout, stderr is one)."""
    for stream in (sys.__stdin__, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(ValueError, OSError):  # closed, or not a real file
            if stream is not None and stream.isatty():
                return True
    return False


class AuthLens:
    """Redacts, diagnoses and logs exchanges with OpenAI-compatible APIs."""

    def __init__(self) -> None:
        # Validated in `configure`, whose errors name the variable or file at fault.
        self.settings = Settings.model_construct()
        self.inspected = HostMatcher(self.settings.hosts)
        self.profiles = Profiles()
        self.history = KeyHistory(self.settings.history_size)
        self.connections = ConnectionWatch()
        self.log: JsonLog | None = None  # the structlog logger and the fanout it writes to
        self.human: HumanView | None = None  # stdout's human view, when it has one
        self.writer_started = False  # mitmproxy runs: log writes leave the event loop
        self.telemetry = Telemetry()  # client names; metrics and spans once configured
        self.in_flight: dict[str, http.HTTPFlow] = {}  # flows whose request hook ran, not logged
        self.failures = FailureHooks(
            self,
            history=self.history,
            connections=self.connections,
            in_flight=self.in_flight,
            emit=self.emit,
            report=self.internal_error,
        )
        self.addons = [self.failures]  # mitmproxy calls its hooks right after ours

    def load(self, loader: Any) -> None:
        for name, typespec, help_text in OPTIONS:
            default: Any = [] if typespec == Sequence[str] else None
            loader.add_option(f"authlens_{name}", typespec, default, help_text)

    def configure(self, updated: set[str]) -> None:
        # Not guarded: a bad option must stop startup with its message.
        unknown = sorted(
            k for k in getattr(ctx.options, "deferred", {}) if k.startswith("authlens_")
        )
        if unknown:
            raise exceptions.OptionsError(
                f"unknown authlens option(s): {', '.join(unknown)}; "
                f"valid: {', '.join(OPTION_NAMES)}"
            )
        mine = {u for u in updated if u.startswith("authlens_")}
        if self.log is not None and not mine:
            return
        overrides: dict[str, Any] = {}
        for name, _, _ in OPTIONS[1:]:
            value = getattr(ctx.options, f"authlens_{name}")
            if value not in (None, []):
                overrides[name] = value
        config = ctx.options.authlens_config
        try:
            settings = load_settings(Path(config) if config else None, overrides)
        except SettingsError as e:
            raise exceptions.OptionsError(str(e)) from None
        try:
            self.telemetry = open_telemetry(settings.metrics, self.telemetry)
        except TelemetryError as e:
            raise exceptions.OptionsError(str(e)) from None
        destination = (settings.log_file, settings.log_stdout, settings.log_format)
        current = (self.settings.log_file, self.settings.log_stdout, self.settings.log_format)
        if self.log is None or destination != current:
            self.replace_log(settings)
        self.settings = settings
        self.inspected = HostMatcher(settings.hosts)
        self.profiles = Profiles(settings.profiles)
        self.history.capacity = settings.history_size

    def replace_log(self, settings: Settings) -> None:
        """Open the log `settings` name; the one it replaces is drained and its file closed."""
        # mitmdump's -v (termlog debug) also shows whole hints and ids in the human view.
        full = getattr(ctx.options, "termlog_verbosity", "") == "debug"
        human = human_view(settings.log_format, stdout_fd(), full=full)
        try:
            log = open_log(stdout=settings.log_stdout, log_file=settings.log_file, human=human)
        except OSError as e:
            raise exceptions.OptionsError(
                f"authlens log file cannot be opened: {settings.log_file}: {e.strerror or e}"
            ) from None
        previous, self.log = self.log, log
        self.human = human
        if self.writer_started:
            log.fanout.start_writer()
        if previous is not None:
            previous.fanout.release()  # its queued lines are written first

    @guarded
    def running(self) -> None:
        # From here on hooks run on mitmproxy's event loop, which a slow disk must not stall.
        self.writer_started = True
        if self.log is not None:
            self.log.fanout.start_writer()
        # SIGHUP has two meanings. Detached (a service, a container), logrotate renamed the
        # file: reopen it and live on. On a terminal, the terminal closed: stop as on Ctrl-C
        # (flows in flight logged), not linger in the background holding the port.
        on_hangup = self.hang_up if on_terminal() else self.reopen_log
        with contextlib.suppress(RuntimeError, NotImplementedError):  # no loop, or Windows
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_hangup)
        options = ctx.options
        listen = [ProxyMode.parse(m).listen_host(options.listen_host) for m in options.mode]
        confdir = Path(options.confdir)
        # proxyauth belongs to mitmproxy's ProxyAuth addon, absent from bare test contexts.
        proxyauth = bool(getattr(options, "proxyauth", None))
        for warning in startup_warnings(listen, proxyauth=proxyauth, confdir=confdir):
            _log.warning("authlens: %s", warning)
        if self.human is not None and self.settings.log_stdout:
            show_banner(self.human, self.settings)

    def hang_up(self) -> None:
        """SIGHUP on a terminal: mitmproxy shuts down as on Ctrl-C (our `done` runs)."""
        master = getattr(ctx, "master", None)
        if master is not None:
            master.shutdown()

    def reopen_log(self) -> None:
        """SIGHUP: the log file is opened again by name (after logrotate moved it)."""
        try:
            self.replace_log(self.settings)
        except Exception as e:
            self.internal_error("reopen_log", e)

    @guarded
    def request(self, flow: http.HTTPFlow) -> None:
        if not flow.live or flow.is_replay:
            return
        host = pretty_host(flow.request)  # kept in the flow's state
        inspected = inspects(self, flow.client_conn, host)
        if not inspected and not self.settings.log_all:
            return
        added = inspected and not has_header(flow.request.headers, b"x-client-request-id")
        state = start_state(flow, self, inspected=inspected, id_added=added, host=host)
        if added:
            # Lets OpenAI support find the request even if no response ever comes back.
            set_headers(flow.request.headers, {"X-Client-Request-Id": state["id"]})
        flow.metadata[META] = state
        self.in_flight[flow.id] = flow  # scrubbed and logged at shutdown if still open

    @guarded
    def responseheaders(self, flow: http.HTTPFlow) -> None:
        state = flow.metadata.get(META)
        if state is None or flow.response is None or not state["inspected"]:
            return
        # Set now: a streamed response's headers reach the client before `response` runs.
        set_headers(flow.response.headers, {"X-Authlens-Id": state["id"]})
        if header_text(flow.response.headers, b"content-type").startswith("text/event-stream"):
            # Pass events on as they arrive; mitmproxy buffers whole bodies by default.
            flow.response.stream = self.telemetry.stream_tap() or True
            state["stream"] = True

    @guarded
    def response(self, flow: http.HTTPFlow) -> None:
        state = flow.metadata.get(META)
        if state is None or flow.response is None or state.get("logged"):
            return
        self.in_flight.pop(flow.id, None)
        self.connections.take_failure(flow.client_conn.id)  # it recovered: nothing to report
        state["logged"] = True
        redactor: Redactor | None = None
        try:
            exchange = flow_to_exchange(flow, state)
            if not state["inspected"]:  # `log_all`: a line, and nothing else touched
                redactor = Redactor(request_secrets(flow.request))
                ev = gather_evidence(exchange)
                event = build_event(ev, None, redactor)
                self.telemetry.describe(event, ev.exchange)  # no metrics or span: not inspected
                self.emit(event, redactor)
                return
            ev = gather_evidence(exchange, self.history)
            # The header copy and credentials the evidence holds are not computed again.
            secrets = request_secrets(flow.request, exchange.request_headers, ev.credentials)
            redactor = Redactor(ev.secrets + secrets)
            finding = diagnose(ev)
            event = build_event(ev, finding, redactor)
            record_diagnosis(state, event)  # for `explain` (proxy/recorded.py)
            if state.get("note"):
                event["note"] = state["note"]
            # Everything is computed before the flow changes: if our code fails, it is untouched.
            self.annotate(flow, ev, finding, event["hint"], redactor)
            record_exchange(self.history, ev.key, ev.exchange)
            reply = functools.partial(reply_facts, flow)
            self.emit(event, redactor, exchange, reply, redacted=REDACTED_FIELDS)
        except Exception as e:
            # Fail closed, and still log the exchange with what is known.
            self.internal_error("response", e)
            self.emit(fallback_event(flow, state), redactor or PLAIN)
        finally:
            # Even when our diagnosis failed, the stored flow must not keep the key.
            scrub_flow(flow, redactor)
            if state.get("model"):
                state["model"] = (redactor or PLAIN).text(state["model"])

    def annotate(
        self,
        flow: http.HTTPFlow,
        ev: Evidence,
        finding: Finding | None,
        hint: str | None,
        redactor: Redactor,
    ) -> None:
        response = flow.response
        assert response is not None
        # `responseheaders` set the id, unless another addon made the response in `request`.
        added = (
            {}
            if has_header(response.headers, b"x-authlens-id")
            else {"X-Authlens-Id": ev.exchange.id}
        )
        shown = header_safe(hint) if finding is not None and hint else None  # redacted once
        body = None
        if finding is not None and shown is not None and self.settings.annotate_body:
            body = annotate_error_body(
                ev.exchange.response_body,
                cause=finding.cause,
                hint=shown,
                exchange_id=ev.exchange.id,
                key=ev.key,
                redactor=redactor,
            )
        if response.status_code >= 400 and not ev.exchange.stream:
            # An upstream echo of the key stays with us; an annotated body is already a
            # redacted copy (`annotate_error_body`), so the body is scrubbed only if kept.
            scrub_response(response, redactor, with_body=body is None)
        if finding is None or shown is None:
            if added:
                set_headers(response.headers, added)
            return
        set_headers(
            response.headers,
            {
                **added,
                "X-Authlens-Cause": finding.cause,  # a registered code: plain ASCII
                "X-Authlens-Hint": shown,
            },
        )
        flow.marked = ":mag:"
        flow.comment = f"authlens: {finding.cause}: {shown}"
        if body is not None:
            response.content = body  # re-encoded with the same Content-Encoding

    @guarded
    def done(self) -> None:
        """mitmproxy shuts down: flows in flight are logged and scrubbed before mitmproxy's
        `save` addon writes them (its `done` runs after ours: scripts load before it), then
        the queued log lines are written."""
        flows = list(self.in_flight.values())
        self.in_flight.clear()  # the dict is shared with `self.failures`: emptied, not replaced
        for flow in flows:
            self.failures.shutdown_flow(flow)
        if self.log is not None:
            self.log.fanout.close()
        self.telemetry.close()

    def emit(
        self,
        event: dict[str, Any],
        redactor: Redactor = PLAIN,
        exchange: Exchange | None = None,
        reply: Callable[[bool], ReplyFacts] | None = None,
        *,
        redacted: Sequence[str] = (),
    ) -> None:
        """Log `event`; every credential the exchange sent is redacted from every field.

        The log's last processor (`logsink.scrub_secrets`) applies the exchange's redactor to
        every string, e.g. the key pasted into OpenAI-Organization as well, except the
        `redacted` fields `redactor` already made safe (`build_event`'s). Telemetry
        completes the event first (client, trace context), then counts and traces it.
        """
        if exchange is not None:
            self.telemetry.observe(event, exchange, redactor.secrets, reply)
        if self.log is not None:
            private = {SECRETS_FIELD: redactor, REDACTED_FIELD: redacted}
            self.log.logger.msg(**event, **private)  # the level is the event's own field

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
            if self.log is not None:
                self.log.logger.msg(
                    event="internal_error",
                    level="error",
                    hook=hook,
                    error=type(error).__name__,
                    where=where,
                    timestamp=rfc3339(time.time()),
                )
        except Exception:  # noqa: S110  # reporting must not break the flow either
            pass
