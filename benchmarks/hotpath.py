"""Per-call cost of the addon's mitmproxy-facing steps on a real flow (not in the core bench).

Usage: `.venv/bin/python -m benchmarks.hotpath`. The profile (benchmarks/profile.py) shows
these steps cost more than the pure core; this prints each one in microseconds, with the
header-copy alternative the report suggests, so a fix can be checked in isolation.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from mitmproxy import http
from mitmproxy.test import tflow

from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.history import KeyHistory
from authlens.diagnosis.rules import diagnose
from authlens.output.events import build_event
from authlens.output.logsink import make_logger
from authlens.output.redact import redact_text
from authlens.proxy.flowdata import _headers, flow_to_exchange, new_state
from authlens.proxy.flowscrub import scrub_flow
from benchmarks.core_bench import us_per_call
from benchmarks.load import mixed_requests
from benchmarks.upstream import DENIED


def sdk_flow() -> http.HTTPFlow:
    """A flow carrying the benchmark's 401 request and response, as mitmproxy parsed them."""
    flow = tflow.tflow(resp=True)
    request_head, _, body = mixed_requests("api.openai.com")[1].partition(b"\r\n\r\n")
    fields = [tuple(line.split(b": ", 1)) for line in request_head.split(b"\r\n")[1:]]
    flow.request.headers = http.Headers(fields)  # type: ignore[arg-type]
    flow.request.host, flow.request.content = "api.openai.com", body
    response_head, _, response_body = DENIED.partition(b"\r\n\r\n")
    fields = [tuple(line.split(b": ", 1)) for line in response_head.split(b"\r\n")[1:]]
    assert flow.response is not None
    flow.response.status_code = 401
    flow.response.headers = http.Headers(fields)  # type: ignore[arg-type]
    flow.response.content = response_body
    return flow


def headers_from_fields(headers: http.Headers) -> dict[str, str]:
    """The suggested copy: one pass over the raw fields, same result as `dict(headers)`."""
    copy: dict[str, str] = {}
    for raw_name, raw_value in headers.fields:
        name = raw_name.decode("utf-8", "surrogateescape").lower()
        value = raw_value.decode("utf-8", "surrogateescape")
        copy[name] = f"{copy[name]}, {value}" if name in copy else value
    return copy


def main() -> int:
    flow, seconds = sdk_flow(), 0.3
    state = new_state(flow, host="api.openai.com", provider="openai", inspected=True, id_added=True)
    exchange = flow_to_exchange(flow, state)
    ev = gather_evidence(exchange, KeyHistory())
    event = build_event(ev, diagnose(ev))
    assert headers_from_fields(flow.request.headers) == _headers(flow.request.headers)
    logger = make_logger(stdout=False, log_file=Path(os.devnull))
    steps = {
        "new_state (request hook)": lambda: new_state(
            flow, host="api.openai.com", provider="openai", inspected=True, id_added=True
        ),
        "request.pretty_host": lambda: flow.request.pretty_host,
        "_headers(request.headers)": lambda: _headers(flow.request.headers),
        "  suggested: from .fields": lambda: headers_from_fields(flow.request.headers),
        "flow_to_exchange": lambda: flow_to_exchange(flow, state),
        "logger.warning(**event)": lambda: logger.warning(**event),
        "redact_text(hint)": lambda: redact_text(event["hint"]),
    }
    for name, step in steps.items():
        print(f"{name:<32}{us_per_call(step, seconds):>8.1f} us")
    print(f"{'scrub_flow (fresh flows)':<32}{scrub_us(1000):>8.1f} us")
    return 0


def scrub_us(count: int) -> float:
    """scrub_flow on flows that still carry the key (a scrubbed flow is cheaper to scrub)."""
    flows = [sdk_flow() for _ in range(count)]
    started = time.perf_counter()
    for flow in flows:
        scrub_flow(flow)
    return (time.perf_counter() - started) / count * 1e6


if __name__ == "__main__":
    raise SystemExit(main())
