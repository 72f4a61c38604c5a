"""Profile authlens under load with py-spy and print where its own time goes.

Usage (from the repository root; needs `.venv/bin/pip install py-spy`):
    .venv/bin/python -m benchmarks.profile [--seconds 20] [--out /tmp/authlens.pyspy]

Starts the fake upstream and an authlens mitmdump (reverse mode), keeps 8 connections busy
with the benchmark's traffic while `py-spy record` samples the proxy, then reads the raw
(collapsed) stacks: the share of all samples under an authlens frame, the authlens functions
by inclusive share, and what the `response` hook spends its time on.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.load import mixed_requests, run_load
from benchmarks.procs import ADDON, MITMDUMP, Arm, start_arm, start_upstream, stop

PY_SPY = MITMDUMP.parent / "py-spy"
_LINE_NO = re.compile(r":\d+\)")


def ours(frame: str) -> bool:
    return "authlens/" in frame and "site-packages" not in frame


def read_stacks(path: Path) -> list[tuple[list[str], int]]:
    """(frames outermost first, without line numbers; sample count) per collapsed line."""
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        stacks.append(([_LINE_NO.sub(")", f) for f in stack.split(";")], int(count)))
    return stacks


def summarize(stacks: list[tuple[list[str], int]], top: int = 25) -> str:
    total = sum(n for _, n in stacks)
    inclusive: collections.Counter[str] = collections.Counter()
    callees: collections.Counter[str] = collections.Counter()
    in_ours = 0
    for frames, n in stacks:
        in_ours += n if any(ours(f) for f in frames) else 0
        for frame in {f for f in frames if ours(f)}:
            inclusive[frame] += n
        for i, frame in enumerate(frames):
            if frame.startswith("AuthLens.response ("):
                callees[frames[i + 1] if i + 1 < len(frames) else "<self>"] += n
                break
    lines = [f"samples: {total}; under an authlens frame: {in_ours / total:.1%}", ""]
    lines.append("authlens functions, inclusive share of all samples:")
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in inclusive.most_common(top)]
    lines.append("\nAuthLens.response, by direct callee:")
    lines += [f"  {n / total:6.1%}  {frame}" for frame, n in callees.most_common(12)]
    return "\n".join(lines)


def profile(seconds: float, out: Path) -> None:
    """Sample an authlens mitmdump for `seconds` while it carries the benchmark traffic."""
    upstream, port = start_upstream(10, 50.0)
    arm = Arm("authlens", ("-s", str(ADDON)))
    try:
        with tempfile.TemporaryDirectory(prefix="authlens-profile-") as tmp:
            start_arm(arm, f"reverse:http://127.0.0.1:{port}", Path(tmp) / "stderr")
            requests = mixed_requests(f"127.0.0.1:{port}")
            asyncio.run(run_load(arm.port, requests, 800, 8))  # warm-up
            args = [str(PY_SPY), "record", "-p", str(arm.pid), "-d", str(int(seconds))]
            args += ["-r", "250", "-f", "raw", "-o", str(out)]
            sampler = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and sampler.poll() is None:
                asyncio.run(run_load(arm.port, requests, 1000, 8))
            _, err = sampler.communicate(timeout=60)
            if sampler.returncode != 0:
                raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')}")
    finally:
        stop(arm.process)
        stop(upstream)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "authlens.pyspy")
    args = parser.parse_args(argv)
    profile(args.seconds, args.out)
    print(summarize(read_stacks(args.out)))
    print(f"\nraw stacks: {args.out} (load into speedscope or flamegraph.pl)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
