"""Print the benchmark figures as plain-text tables, with the issue's targets beside them."""

from __future__ import annotations

import platform
import statistics
import sys
from typing import TYPE_CHECKING

from mitmproxy.version import VERSION as MITMPROXY_VERSION

from benchmarks.load import StreamTiming
from benchmarks.stats import RunFigures, median_figures, paired_ratio

if TYPE_CHECKING:
    from benchmarks.run import Plan

CPU_TARGET, CPU_STRETCH = 1.15, 1.10
RPS_TARGET, RPS_STRETCH = 0.87, 0.90
SSE_FIRST_CHUNK_SLACK_MS = 20.0
SSE_GAP_SLACK_MS = 5.0  # "chunk spacing kept": median gap within this of the direct one
RSS_GROWTH_TARGET_MB = 10.0
CORE_TARGET_US = 50.0
METRICS_TARGET = 1.05  # issue 16: metrics on within 5% of metrics off


def verdict(ok: bool, stretch: bool | None = None) -> str:
    if stretch:
        return "met (stretch too)"
    return "met" if ok else "MISSED"


def print_loads(title: str, figures: dict[str, dict[str, list[RunFigures]]]) -> None:
    print(f"\n{title}")
    print(
        f"{'load':<16}{'arm':<15}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'proxy cpu ms/req':>18}{'client cpu ms/req':>19}{'401 annotated':>15}"
    )
    for load, arms in figures.items():
        for arm, runs in arms.items():
            m = median_figures(runs)
            annotated = f"{m.annotated_401}/{m.status_401}"
            print(
                f"{load:<16}{arm:<15}{m.rps:>9.0f}{m.p50_ms:>9.2f}{m.p99_ms:>9.2f}"
                f"{m.proxy_cpu_ms:>18.3f}{m.client_cpu_ms:>19.3f}{annotated:>15}"
            )


def print_ratios(figures: dict[str, dict[str, list[RunFigures]]]) -> None:
    print(
        f"\n{'ratio vs bare (median of per-round ratios)':<44}{'value':>8}  {'target':<18}verdict"
    )
    for load, arms in figures.items():
        base = arms["bare"]
        for arm, runs in arms.items():
            if arm == "bare":
                continue
            cpu = paired_ratio(runs, base, "proxy_cpu_ms")
            rps = paired_ratio(runs, base, "rps")
            label = f"{load}, {arm}"
            print(
                f"{label + ': cpu/request':<44}{cpu:>7.3f}x  {'<= 1.15 (1.10)':<18}"
                f"{verdict(cpu <= CPU_TARGET, cpu <= CPU_STRETCH)}"
            )
            print(
                f"{label + ': throughput':<44}{rps:>7.3f}x  {'>= 0.87 (0.90)':<18}"
                f"{verdict(rps >= RPS_TARGET, rps >= RPS_STRETCH)}"
            )


TELEMETRY_ARMS = {"+metrics": METRICS_TARGET, "+tracing": None}


def print_telemetry_ratios(figures: dict[str, dict[str, list[RunFigures]]]) -> None:
    """Metrics and tracing on against authlens without them (same run, paired per round)."""
    print(
        f"\n{'ratio vs authlens (median of per-round ratios)':<44}{'value':>8}  "
        f"{'target':<18}verdict"
    )
    for load, arms in figures.items():
        for arm, target in TELEMETRY_ARMS.items():
            if arm not in arms:
                continue
            cpu = paired_ratio(arms[arm], arms["authlens"], "proxy_cpu_ms")
            rps = paired_ratio(arms[arm], arms["authlens"], "rps")
            wanted = f"<= {target:.2f}" if target else "(reported)"
            shown = verdict(cpu <= target) if target else ""
            print(f"{f'{load}, {arm}: cpu/request':<44}{cpu:>7.3f}x  {wanted:<18}{shown}")
            print(f"{f'{load}, {arm}: throughput':<44}{rps:>7.3f}x")


def print_sse(plan: Plan, sse: dict[str, list[StreamTiming]]) -> None:
    print(
        f"\nSSE: {plan.chunks} events {plan.gap_ms:.0f} ms apart, medians over "
        f"{plan.rounds} streams per target"
    )
    print(
        f"{'target':<15}{'first chunk ms':>16}{'gap median ms':>15}{'gap max ms':>12}"
        f"{'first - direct ms':>19}  verdict"
    )
    direct = statistics.median(t.first_chunk for t in sse["direct"]) * 1000
    direct_gap = statistics.median(g for t in sse["direct"] for g in t.gaps) * 1000
    for name, timings in sse.items():
        first = statistics.median(t.first_chunk for t in timings) * 1000
        gaps = [g * 1000 for t in timings for g in t.gaps] or [0.0]
        gap = statistics.median(gaps)
        ok = (
            first <= direct + SSE_FIRST_CHUNK_SLACK_MS and abs(gap - direct_gap) <= SSE_GAP_SLACK_MS
        )
        shown = "" if name == "direct" else verdict(ok)
        print(
            f"{name:<15}{first:>16.2f}{gap:>15.2f}{max(gaps):>12.2f}"
            f"{first - direct:>+19.2f}  {shown}"
        )
    print(
        f"target: first chunk <= direct + {SSE_FIRST_CHUNK_SLACK_MS:.0f} ms, "
        f"median gap within {SSE_GAP_SLACK_MS:.0f} ms of direct"
    )


def print_memory(plan: Plan, rss: dict[str, tuple[float, ...]]) -> None:
    print(f"\nRSS over {plan.memory} exchanges ({plan.connections} connections, after warm-up)")
    print(f"{'arm':<15}{'after warm-up MB':>18}{'after MB':>10}{'growth MB':>11}  verdict")
    for name, (before, after) in rss.items():
        ok = after - before <= RSS_GROWTH_TARGET_MB
        print(
            f"{name:<15}{before:>18.1f}{after:>10.1f}{after - before:>+11.1f}  "
            f"{verdict(ok) if name != 'bare' else ''}"
        )
    print(f"target: growth <= {RSS_GROWTH_TARGET_MB:.0f} MB over 20000 exchanges")


def print_core(core: dict[int, float]) -> None:
    print(
        "\ncore per exchange (Exchange + gather_evidence + diagnose + build_event + "
        "scrub_secrets + render_json)"
    )
    for status, micros in core.items():
        label = "200 ok" if status == 200 else f"{status} invalid_api_key"
        print(
            f"{label:<24}{micros:>8.1f} us   target <= {CORE_TARGET_US:.0f} us  "
            f"{verdict(micros <= CORE_TARGET_US)}"
        )


def exchanges_sent(plan: Plan) -> int:
    """Exchanges one arm carries: warm-up, the rounds' loads, one event stream per round."""
    conns = plan.connections
    per_round = plan.sequential + plan.concurrent // conns * conns + 1
    return plan.warmup // conns * conns + plan.rounds * per_round


def print_report(
    *,
    plan: Plan,
    figures: dict[str, dict[str, list[RunFigures]]],
    https: dict[str, list[RunFigures]] | None,
    sse: dict[str, list[StreamTiming]],
    rss: dict[str, tuple[float, ...]],
    core: dict[int, float],
    log_lines: int,
    elapsed: float,
    cores: int,
) -> None:
    print(
        "authlens benchmark" + (" (SMOKE: figures are not meaningful)" if plan.rounds < 2 else "")
    )
    print(
        f"machine: {cores} cores, {platform.system()} {platform.machine()}, "
        f"Python {sys.version.split()[0]}, mitmproxy {MITMPROXY_VERSION}"
    )
    print(
        f"plan: {plan.rounds} rounds alternating arms; per round {plan.sequential} sequential "
        f"+ {plan.concurrent} over {plan.connections} connections per arm; half 200, "
        "half 401 invalid_api_key"
    )
    print_loads("reverse mode to plain-HTTP upstream (medians over rounds)", figures)
    print_ratios(figures)
    print_telemetry_ratios(figures)
    if https is not None:
        https_figures = {f"https {plan.connections} conn": https}
        print_loads("regular mode, HTTPS both legs (CONNECT + TLS)", https_figures)
        print_ratios(https_figures)
    print_sse(plan, sse)
    print_memory(plan, rss)
    print_core(core)
    print(f"\nauthlens+file log lines written: {log_lines} for {exchanges_sent(plan)} exchanges")
    print(f"elapsed: {elapsed:.0f} s")
