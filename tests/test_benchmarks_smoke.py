"""The benchmark script runs end to end in smoke mode and prints every figure (no timings judged).

One run of `python -m benchmarks.run --smoke` (real mitmdump processes and a local upstream on
127.0.0.1) is shared by all tests here; each test checks one figure's line is there with
numbers in it, and what the run proves whatever the machine's speed: every 401 through authlens
came back diagnosed, the log file got a line per exchange, streams were not buffered. Speed
figures are not asserted: on a shared 2-core machine they mean nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness import clean_env

# The first test to run pays for the whole smoke run (about 10 s, longer on a busy machine).
pytestmark = pytest.mark.timeout(200)

REPO = Path(__file__).resolve().parent.parent
NUM = r"[-+]?\d+(?:\.\d+)?"


@pytest.fixture(scope="module")
def output() -> str:
    # No ambient proxy; the client trusts each proxy's own CA, nothing from the machine's.
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke"],
        cwd=REPO,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


LOAD_ROWS = [
    (load, arm)
    for load in ("sequential", "8 connections")
    for arm in ("bare", "authlens", "authlens+file")
] + [("https 8 conn", "bare"), ("https 8 conn", "authlens")]


@pytest.mark.parametrize(("load", "arm"), LOAD_ROWS)
def test_load_row_has_throughput_latency_cpu(output: str, load: str, arm: str) -> None:
    """Each load and arm prints req/s, p50, p99, proxy and client CPU per request, 401 counts."""
    row = re.search(
        rf"^{re.escape(load)}\s+{re.escape(arm)}\s+({NUM}\s+){{5}}(\d+)/(\d+)\s*$",
        output,
        re.MULTILINE,
    )
    assert row, f"no row for {load} / {arm}:\n{output}"


@pytest.mark.parametrize("load", ["sequential", "8 connections", "https 8 conn"])
def test_authlens_rows_annotated_every_401(output: str, load: str) -> None:
    """Through authlens every 401 came back diagnosed; through bare mitmdump none did."""
    for arm, expect_all in (("authlens", True), ("bare", False)):
        row = re.search(rf"^{re.escape(load)}\s+{re.escape(arm)}\s.*\s(\d+)/(\d+)$", output, re.M)
        assert row, output
        annotated, total = int(row.group(1)), int(row.group(2))
        assert total > 0
        assert annotated == (total if expect_all else 0), row.group(0)


RATIO_ROWS = [
    (f"{load}, {arm}: {what}")
    for load, arm in [r for r in LOAD_ROWS if r[1] != "bare"]
    for what in ("cpu/request", "throughput")
]


@pytest.mark.parametrize("label", RATIO_ROWS)
def test_ratio_row_with_target(output: str, label: str) -> None:
    """Each ratio to bare mitmdump prints its value, the issue's target and a verdict."""
    row = re.search(
        rf"^{re.escape(label)}\s+{NUM}x\s+[<>]= \d\.\d\d \(\d\.\d\d\)\s+(met|MISSED)", output, re.M
    )
    assert row, f"no ratio {label}:\n{output}"


@pytest.mark.parametrize("target", ["direct", "authlens", "authlens+file"])
def test_sse_events_arrive_as_the_upstream_spaced_them(output: str, target: str) -> None:
    """Through authlens the events arrive about as far apart as the upstream sent them. A proxy
    that buffered the stream would deliver them together, gaps near 0 ms: bare mitmdump does
    (its row is printed for comparison, not judged)."""
    header = re.search(r"^SSE: (\d+) events (\d+) ms apart", output, re.M)
    assert header, output
    row = re.search(rf"^{re.escape(target)}\s+({NUM})\s+({NUM})\s+({NUM})", output, re.M)
    assert row, f"no SSE row for {target}:\n{output}"
    first_chunk, gap_median = float(row.group(1)), float(row.group(2))
    assert first_chunk > 0
    assert gap_median >= int(header.group(2)) / 2, row.group(0)


@pytest.mark.parametrize("arm", ["bare", "authlens"])
def test_rss_row(output: str, arm: str) -> None:
    """RSS after warm-up, after the exchanges, and the growth, per arm."""
    section = output.split("RSS over", 1)[1]
    assert re.search(rf"^{re.escape(arm)}\s+{NUM}\s+{NUM}\s+{NUM}", section, re.M), output


@pytest.mark.parametrize("label", ["200 ok", "401 invalid_api_key"])
def test_core_row(output: str, label: str) -> None:
    """The pure core's cost per exchange, in microseconds, next to the 50 us target."""
    assert re.search(rf"^{label}\s+{NUM} us\s+target <= 50 us", output, re.M), output


def test_log_file_arm_wrote_lines(output: str) -> None:
    """The authlens+file arm really logged to its file: one line per exchange it carried."""
    match = re.search(
        r"^authlens\+file log lines written: (\d+) for (\d+) exchanges$", output, re.M
    )
    assert match is not None, output
    assert int(match.group(1)) == int(match.group(2)) > 0
