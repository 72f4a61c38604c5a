"""The mitmproxy addon: the only module that imports mitmproxy.

Each hook guards early, turns the flow into an `Exchange`, calls the pure core, and writes
the result back: headers and body to the client, one JSON line to the log, and a scrubbed
copy of the request into the stored flow (after it was sent upstream, before mitmproxy's
save and HAR addons write it).
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional, TypeVar

from mitmproxy import ctx, exceptions, http
from mitmproxy.proxy.mode_specs import ReverseMode

from authlens.annotate import annotate_error_body
from authlens.events import build_event, model_from_body, rfc3339
from authlens.evidence import Evidence, gather_evidence
from authlens.exchange import Exchange, Finding
from authlens.flowscrub import scrub_flow
from authlens.history import KeyHistory, KeySeen
from authlens.logsink import make_logger
from authlens.providers import HostMatcher, provider_for_host
from authlens.redact import redact_text
from authlens.rules import diagnose
from authlens.settings import Settings, SettingsError, load_settings

META = "authlens"
_log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., None])

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


def guarded(hook: F) -> F:
    """Never let our own failure break a flow: log it as `internal_error` and go on."""

    @functools.wraps(hook)
    def wrapper(self: AuthLens, *args: Any) -> None:
        try:
            hook(self, *args)
        except Exception as e:
            self.internal_error(hook.__name__, e)

    return wrapper  # type: ignore[return-value]


class AuthLens:
    """Redacts, diagnoses and logs exchanges with OpenAI-compatible APIs."""

    def __init__(self) -> None:
        self.settings = Settings()
        self.inspected = HostMatcher(self.settings.hosts)
        self.history = KeyHistory(self.settings.history_size)
        self.logger: Any = None

    def load(self, loader: Any) -> None:
        for name, typespec, help_text in OPTIONS:
            default: Any = [] if typespec == Sequence[str] else None
            loader.add_option(f"authlens_{name}", typespec, default, help_text)

    def configure(self, updated: set[str]) -> None:
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

    def is_inspected(self, flow: http.HTTPFlow) -> bool:
        if isinstance(flow.client_conn.proxy_mode, ReverseMode):
            return True
        return self.inspected(flow.request.pretty_host)

    @guarded
    def request(self, flow: http.HTTPFlow) -> None:
        if not flow.live or flow.is_replay or not self.is_inspected(flow):
            return
        exchange_id = str(uuid.uuid4())
        added = "x-client-request-id" not in flow.request.headers
        if added:
            # Lets OpenAI support find the request even if no response ever comes back.
            flow.request.headers["X-Client-Request-Id"] = exchange_id
        flow.metadata[META] = {
            "id": exchange_id,
            "client_request_id_added": added,
            "model": model_from_body(
                flow.request.raw_content, flow.request.headers.get("content-type", "")
            ),
            "stream": False,
        }

    @guarded
    def responseheaders(self, flow: http.HTTPFlow) -> None:
        state = flow.metadata.get(META)
        if state is None or flow.response is None:
            return
        if flow.response.headers.get("content-type", "").startswith("text/event-stream"):
            # Pass events on as they arrive; mitmproxy buffers whole bodies by default.
            flow.response.stream = True
            state["stream"] = True

    @guarded
    def response(self, flow: http.HTTPFlow) -> None:
        state = flow.metadata.get(META)
        if state is None or flow.response is None:
            return
        try:
            exchange = flow_to_exchange(flow, state)
            ev = gather_evidence(exchange, self.history)
            finding = diagnose(ev)
            self.annotate(flow, ev, finding)
            self.remember(ev)
            self.emit(build_event(ev, finding))
        finally:
            # Even when our diagnosis failed, the stored flow must not keep the key.
            scrub_flow(flow)

    def annotate(self, flow: http.HTTPFlow, ev: Evidence, finding: Finding | None) -> None:
        response = flow.response
        assert response is not None
        response.headers["X-Authlens-Id"] = ev.exchange.id
        if finding is None:
            return
        response.headers["X-Authlens-Cause"] = finding.cause
        response.headers["X-Authlens-Hint"] = finding.hint
        flow.marked = ":mag:"
        flow.comment = f"authlens: {finding.cause}: {finding.hint}"
        if self.settings.annotate_body and ev.exchange.response_body is not None:
            body = annotate_error_body(
                ev.exchange.response_body,
                cause=finding.cause,
                hint=finding.hint,
                exchange_id=ev.exchange.id,
                key=ev.key,
                secrets=ev.secrets,
            )
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
        """Report our own failure without secrets; the flow goes on untouched."""
        message = redact_text(f"{type(error).__name__}: {error}")
        _log.warning("authlens: internal error in %s: %s", hook, message)
        if self.logger is not None:
            self.logger.error(
                event="internal_error",
                level="error",
                hook=hook,
                error=message,
                timestamp=rfc3339(time.time()),
            )


def _headers(headers: http.Headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def flow_to_exchange(flow: http.HTTPFlow, state: dict[str, Any]) -> Exchange:
    """Plain data from a flow that has a response."""
    request, response = flow.request, flow.response
    assert response is not None
    body = None
    if response.status_code >= 400 and not state["stream"]:
        try:
            body = response.content
        except ValueError:  # undecodable Content-Encoding: keep the raw bytes for logging only
            body = None
    return Exchange(
        id=state["id"],
        provider=provider_for_host(request.pretty_host),
        method=request.method,
        scheme=request.scheme,
        host=request.pretty_host,
        path=request.path,
        request_headers=_headers(request.headers),
        started=request.timestamp_start,
        ended=response.timestamp_end or time.time(),
        model=state["model"],
        status=response.status_code,
        response_headers=_headers(response.headers),
        response_body=body,
        stream=state["stream"],
        client_request_id_added=state["client_request_id_added"],
    )
