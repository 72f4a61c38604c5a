"""Per-call cost of the addon's mitmproxy-facing steps on a real flow (not in the core bench).

Usage: `.venv/bin/python -m benchmarks.hotpath`. The profile (benchmarks/profile.py) shows
these steps cost more than the pure core; this prints each one in microseconds, and the
whole per-exchange cost of the addon's hooks, so a fix can be checked in isolation.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from mitmproxy import http
from mitmproxy.test import taddons, tflow
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.history import KeyHistory
from authlens.diagnosis.rules import diagnose
from authlens.output.events import build_event
from authlens.output.logsink import make_logger
from authlens.proxy.addon import AuthLens
from authlens.proxy.flowdata import META, flow_to_exchange, header_dict, new_state
from authlens.proxy.flowscrub import scrub_flow
from authlens.secrets.redactor import redact_text
from authlens.telemetry import ReplyFacts, Telemetry
from authlens.telemetry.clientnames import ClientNames
from authlens.telemetry.metrics import Metrics
from authlens.telemetry.tracing import Tracing
from benchmarks.core_bench import us_per_call
from benchmarks.load import mixed_requests
from benchmarks.upstream import DENIED, OK


def sdk_flow(status: int = 401) -> http.HTTPFlow:
    """A flow carrying the benchmark's 401 (or 200) exchange, as mitmproxy parsed it."""
    flow = tflow.tflow(resp=True)
    raw_request = mixed_requests("api.openai.com")[status == 401]
    request_head, _, body = raw_request.partition(b"\r\n\r\n")
    fields = [tuple(line.split(b": ", 1)) for line in request_head.split(b"\r\n")[1:]]
    flow.request.headers = http.Headers(fields)  # type: ignore[arg-type]
    flow.request.host, flow.request.content = "api.openai.com", body
    response_head, _, response_body = (DENIED if status == 401 else OK).partition(b"\r\n\r\n")
    fields = [tuple(line.split(b": ", 1)) for line in response_head.split(b"\r\n")[1:]]
    assert flow.response is not None
    flow.response.status_code = status
    flow.response.headers = http.Headers(fields)  # type: ignore[arg-type]
    flow.response.content = response_body
    return flow


def main() -> int:
    flow, seconds = sdk_flow(), 0.3
    state = new_state(flow, host="api.openai.com", provider="openai", inspected=True, id_added=True)
    exchange = flow_to_exchange(flow, state)
    ev = gather_evidence(exchange, KeyHistory())
    event = build_event(ev, diagnose(ev))
    logger = make_logger(stdout=False, log_file=Path(os.devnull))
    steps = {
        "new_state (request hook)": lambda: new_state(
            flow, host="api.openai.com", provider="openai", inspected=True, id_added=True
        ),
        "request.pretty_host": lambda: flow.request.pretty_host,
        "header_dict(request.headers)": lambda: header_dict(flow.request.headers),
        "flow_to_exchange": lambda: flow_to_exchange(flow, state),
        "logger.warning(**event)": lambda: logger.warning(**event),
        "redact_text(hint)": lambda: redact_text(event["hint"]),
    }
    for name, step in steps.items():
        print(f"{name:<32}{us_per_call(step, seconds):>8.1f} us")
    print(f"{'scrub_flow (fresh flows)':<32}{scrub_us(1000):>8.1f} us")
    for status in (200, 401):
        label = f"all hooks, one {status} exchange"
        print(f"{label:<32}{hooks_us(status, 2000):>8.1f} us")
    facts = ReplyFacts(first_chunk=exchange.started + 0.01)
    for label, hub in telemetry_hubs().items():

        def observe(hub: Telemetry = hub) -> None:
            hub.observe(dict(event), exchange, (), lambda _body: facts)

        print(f"{'observe, ' + label:<32}{us_per_call(observe, seconds):>8.1f} us")
    return 0


class _NoExport(SpanExporter):
    """Spans are made and batched as in the proxy, then discarded (no encoding, no HTTP)."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def telemetry_hubs() -> dict[str, Telemetry]:
    """The hub as each configuration builds it: client names only, + metrics, + tracing."""
    names = ClientNames(lambda _address: "bench-client")
    return {
        "names only": Telemetry(names=names),
        "metrics": Telemetry(metrics=Metrics(), names=names),
        "tracing (no export)": Telemetry(tracing=Tracing({}, exporter=_NoExport()), names=names),
    }


def hooks_us(status: int, count: int) -> float:
    """request + responseheaders + response of a configured addon (log to /dev/null), per flow.

    The whole per-exchange cost authlens adds inside mitmproxy's process, minus hook dispatch.
    """
    addon = AuthLens()
    with taddons.context(addon) as tctx:
        tctx.configure(addon, authlens_log_stdout="false", authlens_log_file=os.devnull)
        best = float("inf")
        for _ in range(7):
            flows = [sdk_flow(status) for _ in range(count)]
            for flow in flows:
                flow.live = True
            responses = [flow.response for flow in flows]
            started = time.thread_time()  # CPU time: other processes on the machine add none
            for flow, response in zip(flows, responses, strict=True):
                flow.response = None
                addon.request(flow)
                flow.response = response
                addon.responseheaders(flow)
                addon.response(flow)
            best = min(best, (time.thread_time() - started) / count)
            assert all(META in f.metadata for f in flows)
        getattr(addon, "done", lambda: None)()
    return best * 1e6


def scrub_us(count: int) -> float:
    """scrub_flow on flows that still carry the key (a scrubbed flow is cheaper to scrub)."""
    flows = [sdk_flow() for _ in range(count)]
    started = time.perf_counter()
    for flow in flows:
        scrub_flow(flow)
    return (time.perf_counter() - started) / count * 1e6


if __name__ == "__main__":
    raise SystemExit(main())
