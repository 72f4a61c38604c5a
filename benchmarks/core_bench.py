"""Micro-benchmark of the pure core, per exchange, without mitmproxy.

One exchange = build an `Exchange`, `gather_evidence` (credential, fingerprint, reply,
history), `diagnose`, `build_event`, then the log chain's `scrub_secrets` and `render_json`.
That is the work authlens adds to every flow besides mitmproxy's own hooks and the write.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.history import KeyHistory
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange
from authlens.output.events import build_event
from authlens.output.logsink import render_json, scrub_secrets
from benchmarks.load import REQUEST_BODY
from benchmarks.upstream import BAD_KEY, DENIED_BODY, GOOD_KEY, OK_BODY

_REQUEST_HEADERS = {
    "host": "api.openai.com",
    "user-agent": "OpenAI/Python 1.109.1",
    "x-stainless-lang": "python",
    "x-stainless-package-version": "1.109.1",
    "content-type": "application/json",
    "content-length": str(len(REQUEST_BODY)),
    "accept": "application/json",
}


def make_exchange(status: int) -> Exchange:
    """A POST as the SDK sends it and the answer the benchmark upstream gives."""
    key = GOOD_KEY if status == 200 else BAD_KEY
    body = OK_BODY if status == 200 else DENIED_BODY
    now = time.time()
    return Exchange(
        id="6f1c8a52-2b1e-4c39-9d8e-0c5a7e3b1f42",
        provider="openai",
        method="POST",
        scheme="https",
        host="api.openai.com",
        path="/v1/chat/completions",
        request_headers={**_REQUEST_HEADERS, "authorization": f"Bearer {key}"},
        started=now - 0.2,
        ended=now,
        model="gpt-4o-mini",
        status=status,
        response_headers={
            "content-type": "application/json",
            "content-length": str(len(body)),
            "x-request-id": "req_0123456789abcdef0123456789abcdef",
        },
        # The addon only decodes bodies of error responses (flow_to_exchange).
        response_body=body if status >= 400 else None,
    )


def core_exchange(status: int, history: KeyHistory) -> bytes:
    """Everything the core does for one exchange, ending in the rendered log line."""
    ev = gather_evidence(make_exchange(status), history)
    finding = diagnose(ev)
    event = build_event(ev, finding)
    return render_json(None, event["level"], scrub_secrets(None, event["level"], event))


def us_per_call(fn: Callable[[], object], seconds: float) -> float:
    """Best-of-5 mean time of `fn` in microseconds, over about `seconds` in total."""
    loops, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds / 10:
        fn()
        loops += 1
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - started) / loops)
    return best * 1e6


def bench_core(seconds: float) -> dict[int, float]:
    """Microseconds per exchange for a 200 and for a diagnosed 401."""
    history = KeyHistory()
    assert b'"cause":"invalid_api_key"' in core_exchange(401, history), "401 not diagnosed"
    return {
        status: us_per_call(functools.partial(core_exchange, status, history), seconds)
        for status in (200, 401)
    }
