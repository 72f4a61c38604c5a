"""Figures of one measured run and their summaries across rounds."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from benchmarks.load import LoadResult


@dataclass(frozen=True)
class RunFigures:
    """One load run against one arm: throughput, latency, and CPU per request of both sides."""

    rps: float
    p50_ms: float
    p99_ms: float
    proxy_cpu_ms: float  # proxy process CPU (user + system) per request
    client_cpu_ms: float  # the load client's own CPU per request, to show it is not the limit
    status_401: int
    annotated_401: int


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; `values` need not be sorted."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_figures(result: LoadResult, proxy_cpu: float, client_cpu: float) -> RunFigures:
    n = result.count
    return RunFigures(
        rps=n / result.wall,
        p50_ms=percentile(result.latencies, 0.50) * 1000,
        p99_ms=percentile(result.latencies, 0.99) * 1000,
        proxy_cpu_ms=proxy_cpu / n * 1000,
        client_cpu_ms=client_cpu / n * 1000,
        status_401=result.status_401,
        annotated_401=result.annotated_401,
    )


def median_figures(runs: list[RunFigures]) -> RunFigures:
    """Field-wise median over rounds; the 401 counters are summed."""
    return RunFigures(
        rps=statistics.median(r.rps for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        proxy_cpu_ms=statistics.median(r.proxy_cpu_ms for r in runs),
        client_cpu_ms=statistics.median(r.client_cpu_ms for r in runs),
        status_401=sum(r.status_401 for r in runs),
        annotated_401=sum(r.annotated_401 for r in runs),
    )


def paired_ratio(arm: list[RunFigures], base: list[RunFigures], field: str) -> float:
    """Median over rounds of arm/base for `field`: each round's pair ran back to back, so
    background load on the machine affects both sides of a ratio alike."""
    return statistics.median(
        float(getattr(a, field)) / float(getattr(b, field)) for a, b in zip(arm, base, strict=True)
    )
