"""Start and measure the processes under test: the fake upstream and the mitmdump arms.

Every arm is the same mitmdump binary with the same options (reverse mode, `flow_detail=0`,
127.0.0.1, mitmproxy's own log to a file); the authlens arms only add the addon script and
its options. CPU time and RSS are read from /proc, so they cover all threads of the process.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MITMDUMP = Path(sys.executable).parent / "mitmdump"  # beside the Python running this
ADDON = REPO / "addons" / "authlens_addon.py"
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Arm:
    """One proxy under test: a name, its extra mitmdump arguments, and the running process."""

    name: str
    extra_args: tuple[str, ...]
    env: dict[str, str] | None = None  # added to this process's environment
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid


# Our own servers bind port 0 and say which port they got ("ready PORT" on stdout). mitmdump
# says it only on stdout, which the arms send to /dev/null (the JSON lines must cost what they
# cost in production), so it is handed a free port and started again if another process on
# this shared machine took that port first.
_READY = re.compile(rb"^ready (\d+)$", re.MULTILINE)  # benchmarks.upstream and .otlp_sink


def free_port() -> int:
    """A port nothing listened on a moment ago (racy: only for mitmdump, retried)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Block until something accepts on `port`; raise with the process's exit if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after {timeout} s: {process.args!r}")


def reported_port(
    process: subprocess.Popen[bytes], output: Path, says: re.Pattern[bytes], timeout: float = 30.0
) -> int:
    """The port `process` reports in `output` (group 1 of `says`); raise if it died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if match := says.search(output.read_bytes() if output.exists() else b""):
            return int(match[1])
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        time.sleep(0.05)
    raise RuntimeError(f"{process.args!r} did not say its port after {timeout} s")


def start_server(module: str, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    """`python -m benchmarks.<module> 0 ARGS` in its own process, and the port it got."""
    with tempfile.NamedTemporaryFile(prefix=f"{module}-", suffix=".out", delete=False) as out:
        output = Path(out.name)
        process = subprocess.Popen(
            [sys.executable, "-m", f"benchmarks.{module}", "0", *args], stdout=out, cwd=REPO
        )
    try:
        return process, reported_port(process, output, _READY)
    finally:
        output.unlink()  # the process keeps its descriptor; only the port line was wanted


def start_upstream(
    chunks: int, gap_ms: float, tls: tuple[Path, Path] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    """The fake upstream in its own process, so it never competes with the client's loop."""
    return start_server("upstream", str(chunks), str(gap_ms), *(str(p) for p in tls or ()))


def start_arm(arm: Arm, mode: str, stderr_path: Path, attempts: int = 3) -> None:
    """mitmdump for `arm`; stdout (authlens's JSON lines) goes to /dev/null in every arm.

    Started again on a new port if mitmdump exits (another process took the free port).
    """
    for attempt in range(attempts):
        try:
            _start_arm_once(arm, mode, stderr_path)
            return
        except RuntimeError:
            stop(arm.process)
            if attempt == attempts - 1:
                raise RuntimeError(f"{arm.name}: {stderr_path.read_text()[-2000:]}") from None


def _start_arm_once(arm: Arm, mode: str, stderr_path: Path) -> None:
    arm.port = free_port()
    args = [str(MITMDUMP), "--listen-host", "127.0.0.1", "-p", str(arm.port), "--mode", mode]
    args += ["--set", "flow_detail=0", *arm.extra_args]
    with stderr_path.open("wb") as stderr:
        arm.process = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            cwd=REPO,
            env={**os.environ, **(arm.env or {})},
        )
    wait_for_port(arm.port, arm.process)


def start_otlp_sink() -> tuple[subprocess.Popen[bytes], int]:
    """The tracing arm's OTLP/HTTP endpoint (`benchmarks.otlp_sink`), in its own process."""
    return start_server("otlp_sink")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the whole process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")
