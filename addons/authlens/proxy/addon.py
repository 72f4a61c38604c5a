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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional

from mitmproxy import ctx, exceptions, http
from mitmproxy.proxy.mode_specs import ProxyMode

from authlens.diagnosis.evidence import Evidence, gather_evidence
from authlens.diagnosis.history import KeyHistory, record_exchange
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange, Finding
from authlens.output.annotate import annotate_error_body
from authlens.output.events import build_event, rfc3339
from authlens.output.human import HumanView, human_view
from authlens.output.logsink import SECRETS_FIELD, JsonLog, open_log
from authlens.output.redact import redact_text
from authlens.providers import HostMatcher, Profiles
from authlens.proxy.banner import show_banner, stdout_fd
from authlens.proxy.connwatch import ConnectionWatch
from authlens.proxy.exposure import startup_warnings
from authlens.proxy.failure_hooks import FailureHooks
from authlens.proxy.flowdata import (
    META,
    flow_to_exchange,
    has_header,
    header_text,
    reply_facts,
    set_headers,
)
from authlens.proxy.flowscrub import request_secrets, scrub_flow
from authlens.proxy.hookguard import failure_location, guarded
from authlens.proxy.recorded import record_diagnosis
from authlens.settings import Settings, SettingsError, load_settings
from authlens.telemetry import ReplyFacts, Telemetry, TelemetryError, open_telemetry

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
    (
        "profiles",
        Sequence[str],
        "Extra provider profiles: glob=provider (openai, azure, compatible).",
    ),
    (
        "log_format",
        Optional[str],  # noqa: UP045
        "stdout: auto (a readable line per exchange on a terminal, else JSON), json or pretty.",
    ),
    ("metrics", Optional[str], "host:port to serve Prometheus /metrics on (off by default)."),  # noqa: UP045
)


_HEADER_UNSAFE = re.compile(r"[^\x20-\x7e]")


def header_value(text: str) -> str:
    """`text` as printable ASCII: a control character quoted from a body would break HTTP."""
    return _HEADER_UNSAFE.sub("?", text)


# A misconfigured client repeats the same finding with the same key on every request.
_redacted_hint = functools.lru_cache(maxsize=256)(redact_text)


class AuthLens(FailureHooks):
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

    def load(self, loader: Any) -> None:
        for name, typespec, help_text in OPTIONS:
            default: Any = [] if typespec == Sequence[str] else None
            loader.add_option(f"authlens_{name}", typespec, default, help_text)

    def configure(self, updated: set[str]) -> None:
        # Not guarded: a bad option must stop startup with its message.
        if self.log is not None and not any(u.startswith("authlens_") for u in updated):
            return
        overrides: dict[str, Any] = {}
        for name, _, _ in OPTIONS[1:]:
            value = getattr(ctx.options, f"authlens_{name}")
            if value not in (None, []):
                overrides[name] = value
        config = ctx.options.authlens_config
        try:
            settings = load_settings(Path(config) if config else None, overrides)
            # mitmdump's -v (termlog debug) also shows whole hints and ids in the human view.
            full = getattr(ctx.options, "termlog_verbosity", "") == "debug"
            human = human_view(settings.log_format, stdout_fd(), full=full)
            log = open_log(stdout=settings.log_stdout, log_file=settings.log_file, human=human)
            self.telemetry = open_telemetry(settings.metrics, self.telemetry)
        except (SettingsError, TelemetryError) as e:
            raise exceptions.OptionsError(str(e)) from e
        except OSError as e:
            raise exceptions.OptionsError(f"authlens log file cannot be opened: {e}") from e
        self.settings = settings
        self.human = human
        self.inspected = HostMatcher(settings.hosts)
        self.profiles = Profiles(settings.profiles)
        self.history.capacity = settings.history_size
        previous, self.log = self.log, log
        if self.writer_started:
            log.fanout.start_writer()
        if previous is not None:
            previous.fanout.close()  # its queued lines are written first

    @guarded
    def running(self) -> None:
        # From here on hooks run on mitmproxy's event loop, which a slow disk must not stall.
        self.writer_started = True
        if self.log is not None:
            self.log.fanout.start_writer()
        options = ctx.options
        listen = [ProxyMode.parse(m).listen_host(options.listen_host) for m in options.mode]
        confdir = Path(options.confdir)
        # proxyauth belongs to mitmproxy's ProxyAuth addon, absent from bare test contexts.
        proxyauth = bool(getattr(options, "proxyauth", None))
        for warning in startup_warnings(listen, proxyauth=proxyauth, confdir=confdir):
            _log.warning("authlens: %s", warning)
        if self.human is not None and self.settings.log_stdout:
            show_banner(self.human, self.settings)

    @guarded
    def request(self, flow: http.HTTPFlow) -> None:
        if not flow.live or flow.is_replay:
            return
        host = flow.request.pretty_host  # parses and IDNA-checks: once per flow, kept in state
        inspected = self.inspects(flow.client_conn, host)
        if not inspected and not self.settings.log_all:
            return
        added = inspected and not has_header(flow.request.headers, b"x-client-request-id")
        state = self.start_state(flow, inspected=inspected, id_added=added, host=host)
        if added:
            # Lets OpenAI support find the request even if no response ever comes back.
            set_headers(flow.request.headers, {"X-Client-Request-Id": state["id"]})
        flow.metadata[META] = state

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
        self.connections.take_failure(flow.client_conn.id)  # it recovered: nothing to report
        state["logged"] = True
        if not state["inspected"]:  # `log_all`: a line, and nothing else touched
            ev = gather_evidence(flow_to_exchange(flow, state))
            event = build_event(ev, None)
            self.telemetry.describe(event, ev.exchange)  # no metrics or span: not inspected
            self.emit(event, request_secrets(flow.request))
            return
        secrets = None
        try:
            exchange = flow_to_exchange(flow, state)
            ev = gather_evidence(exchange, self.history)
            # The header copy and credentials the evidence holds are not computed again.
            secrets = request_secrets(flow.request, exchange.request_headers, ev.credentials)
            every_secret = ev.secrets + secrets
            finding = diagnose(ev)
            record_diagnosis(state, finding, ev.key, every_secret)  # for `explain` (recorded.py)
            event = build_event(ev, finding)
            # Everything is computed before the flow changes: if our code fails, it is untouched.
            self.annotate(flow, ev, finding, every_secret)
            record_exchange(self.history, ev.key, ev.exchange)
            self.emit(event, every_secret, exchange, lambda body: reply_facts(flow, body))
        finally:
            # Even when our diagnosis failed, the stored flow must not keep the key.
            scrub_flow(flow, secrets)

    def annotate(
        self, flow: http.HTTPFlow, ev: Evidence, finding: Finding | None, secrets: tuple[str, ...]
    ) -> None:
        response = flow.response
        assert response is not None
        # `responseheaders` set the id, unless another addon made the response in `request`.
        added = (
            {}
            if has_header(response.headers, b"x-authlens-id")
            else {"X-Authlens-Id": ev.exchange.id}
        )
        if finding is None:
            if added:
                set_headers(response.headers, added)
            return
        hint = header_value(_redacted_hint(finding.hint, secrets))  # it may quote the upstream
        body = None
        if self.settings.annotate_body:
            body = annotate_error_body(
                ev.exchange.response_body,
                cause=finding.cause,
                hint=hint,
                exchange_id=ev.exchange.id,
                key=ev.key,
                secrets=secrets,
            )
        set_headers(
            response.headers,
            {
                **added,
                "X-Authlens-Cause": finding.cause,  # a registered code: plain ASCII
                "X-Authlens-Hint": hint,
            },
        )
        flow.marked = ":mag:"
        flow.comment = f"authlens: {finding.cause}: {hint}"
        if body is not None:
            response.content = body  # re-encoded with the same Content-Encoding

    @guarded
    def done(self) -> None:
        """mitmproxy shuts down: the queued log lines are written before it exits."""
        if self.log is not None:
            self.log.fanout.close()
        self.telemetry.close()

    def emit(
        self,
        event: dict[str, Any],
        secrets: tuple[str, ...] = (),
        exchange: Exchange | None = None,
        reply: Callable[[bool], ReplyFacts] | None = None,
    ) -> None:
        """Log `event`; every credential the exchange sent is redacted from every field.

        The log's last processor (`logsink.scrub_secrets`) redacts them, with the key shapes,
        in one pass per value; e.g. the key pasted into OpenAI-Organization as well.
        Telemetry completes the event first (client, trace context), then counts and traces it.
        """
        if exchange is not None:
            self.telemetry.observe(event, exchange, secrets, reply)
        if self.log is not None:
            getattr(self.log.logger, event["level"])(**event, **{SECRETS_FIELD: secrets})

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
                self.log.logger.error(
                    event="internal_error",
                    level="error",
                    hook=hook,
                    error=type(error).__name__,
                    where=where,
                    timestamp=rfc3339(time.time()),
                )
        except Exception:  # noqa: S110  # reporting must not break the flow either
            pass
