"""authlens vs bare mitmdump vs a direct connection: throughput, latency, CPU, SSE, RSS, core.

Usage (from the repository root):
    .venv/bin/python -m benchmarks.run            # full run, about 3 minutes on 2 cores
    .venv/bin/python -m benchmarks.run --smoke    # a few seconds, same figures, no meaning

Every arm is the same mitmdump in reverse mode to a local plain-HTTP upstream; the arms run
alternately within one invocation (A/B/C, then C/B/A, ...) and the figures are medians over
rounds, ratios the median of each round's back-to-back ratio. Prints a report; never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.core_bench import bench_core
from benchmarks.load import LoadResult, StreamTiming, mixed_requests, run_load, time_stream
from benchmarks.procs import (
    ADDON,
    Arm,
    cpu_seconds,
    rss_mb,
    start_arm,
    start_otlp_sink,
    start_upstream,
    stop,
)
from benchmarks.stats import RunFigures, run_figures
from benchmarks.tls import HttpsSetup


@dataclass(frozen=True)
class Plan:
    """How much of everything to run."""

    rounds: int
    warmup: int
    sequential: int
    concurrent: int
    connections: int
    memory: int
    chunks: int
    gap_ms: float
    core_seconds: float
    https: bool


FULL = Plan(5, 500, 1500, 3000, 8, 20_000, 10, 50.0, 3.0, True)
SMOKE = Plan(1, 20, 40, 80, 8, 400, 4, 20.0, 0.2, True)


def measured(arm: Arm, load: Callable[[], Coroutine[Any, Any, LoadResult]]) -> RunFigures:
    """Run `load` and charge the proxy's and the client's CPU time to it."""
    proxy_before, client_before = cpu_seconds(arm.pid), time.process_time()
    result = asyncio.run(load())
    return run_figures(
        result, cpu_seconds(arm.pid) - proxy_before, time.process_time() - client_before
    )


def make_arms(tmp: Path, otlp_port: int) -> list[Arm]:
    log_file = tmp / "authlens.jsonl"
    # Tracing: the SDK's defaults (batches of 512, every 5 s) to a local OTLP/HTTP sink.
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{otlp_port}"}
    return [
        Arm("bare", ()),
        Arm("authlens", ("-s", str(ADDON))),
        Arm("authlens+file", ("-s", str(ADDON), "--set", f"authlens_log_file={log_file}")),
        Arm("+metrics", ("-s", str(ADDON), "--set", "authlens_metrics=127.0.0.1:0")),
        Arm("+tracing", ("-s", str(ADDON)), env=otel),
    ]


def run_rounds(
    plan: Plan, arms: list[Arm], loads: dict[str, Callable[[Arm], RunFigures]]
) -> dict[str, dict[str, list[RunFigures]]]:
    """figures[load][arm] per round; the arm order flips every round to cancel drift."""
    figures: dict[str, dict[str, list[RunFigures]]] = {
        load: {arm.name: [] for arm in arms} for load in loads
    }
    for n in range(plan.rounds):
        for arm in arms if n % 2 == 0 else arms[::-1]:
            for load, run in loads.items():
                figures[load][arm.name].append(run(arm))
    return figures


def stream_timings(
    plan: Plan, upstream_port: int, arms: list[Arm]
) -> dict[str, list[StreamTiming]]:
    targets = [("direct", upstream_port)] + [(a.name, a.port) for a in arms]
    timings: dict[str, list[StreamTiming]] = {name: [] for name, _ in targets}
    for n in range(plan.rounds):
        for name, port in targets if n % 2 == 0 else targets[::-1]:
            timings[name].append(asyncio.run(time_stream(port, "api.openai.com")))
    return timings


def memory_growth(plan: Plan, arms: list[Arm], upstream_host: str) -> dict[str, tuple[float, ...]]:
    """(RSS after warm-up, RSS after `plan.memory` more exchanges) per arm, in MB."""
    requests = mixed_requests(upstream_host)
    rss: dict[str, tuple[float, ...]] = {}
    for arm in arms:
        before = rss_mb(arm.pid)
        asyncio.run(run_load(arm.port, requests, plan.memory, plan.connections))
        rss[arm.name] = (before, rss_mb(arm.pid))
    return rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few seconds; figures mean nothing")
    parser.add_argument("--no-https", action="store_true", help="skip the regular-mode HTTPS arms")
    parser.add_argument("--rounds", type=int, help="rounds of alternating arms (default 5)")
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    if args.rounds:
        plan = dataclasses.replace(plan, rounds=args.rounds)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="authlens-bench-") as tmp_name:
        tmp = Path(tmp_name)
        upstream, upstream_port = start_upstream(plan.chunks, plan.gap_ms)
        otlp_sink, otlp_port = start_otlp_sink()
        host = f"127.0.0.1:{upstream_port}"
        arms = make_arms(tmp, otlp_port)
        https: HttpsSetup | None = None
        try:
            if plan.https and not args.no_https:
                https = HttpsSetup(tmp, plan.chunks)
            for arm in arms:
                start_arm(arm, f"reverse:http://{host}", tmp / f"{arm.name}.stderr")
            requests = mixed_requests(host)
            for arm in arms:
                asyncio.run(run_load(arm.port, requests, plan.warmup, plan.connections))
            rss = memory_growth(plan, arms[:2], host)
            loads: dict[str, Callable[[Arm], RunFigures]] = {
                "sequential": lambda a: measured(
                    a, lambda: run_load(a.port, requests, plan.sequential, 1)
                ),
                f"{plan.connections} connections": lambda a: measured(
                    a, lambda: run_load(a.port, requests, plan.concurrent, plan.connections)
                ),
            }
            figures = run_rounds(plan, arms, loads)
            sse = stream_timings(plan, upstream_port, arms)
            https_figures = https.run(plan) if https is not None else None
            core = bench_core(plan.core_seconds)
            log_lines = (tmp / "authlens.jsonl").read_bytes().count(b"\n")
        finally:
            for arm in arms:
                stop(arm.process)
            if https is not None:
                https.stop()
            stop(upstream)
            stop(otlp_sink)
    report.print_report(
        plan=plan,
        figures=figures,
        https=https_figures,
        sse=sse,
        rss=rss,
        core=core,
        log_lines=log_lines,
        elapsed=time.monotonic() - started,
        cores=os.cpu_count() or 0,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
