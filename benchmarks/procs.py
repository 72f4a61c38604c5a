"""Start and measure the processes under test: the fake upstream and the mitmdump arms.

Every arm is the same mitmdump binary with the same options (reverse mode, `flow_detail=0`,
127.0.0.1, mitmproxy's own log to a file); the authlens arms only add the addon script and
its options. CPU time and RSS are read from /proc, so they cover all threads of the process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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


def free_port() -> int:
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


def start_upstream(chunks: int, gap_ms: float, tls: tuple[Path, Path] | None = None) -> tuple[
    subprocess.Popen[bytes], int
]:  # fmt: skip
    """The fake upstream in its own process, so it never competes with the client's loop."""
    port = free_port()
    args = [sys.executable, "-m", "benchmarks.upstream", str(port)]
    args += [str(chunks), str(gap_ms)] + ([str(p) for p in tls] if tls else [])
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, cwd=REPO)
    wait_for_port(port, process)
    return process, port


def start_arm(arm: Arm, mode: str, stderr_path: Path, attempts: int = 3) -> None:
    """mitmdump for `arm`; stdout (authlens's JSON lines) goes to /dev/null in every arm.

    Retried on a new port: another process on this shared machine may take the free port
    between our probe and mitmdump's bind.
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
    args = [
        str(MITMDUMP), "--listen-host", "127.0.0.1", "-p", str(arm.port),
        "--mode", mode, "--set", "flow_detail=0", *arm.extra_args,
    ]  # fmt: skip
    with stderr_path.open("wb") as stderr:
        arm.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=stderr, stdin=subprocess.DEVNULL, cwd=REPO,
            env={**os.environ, **(arm.env or {})},
        )  # fmt: skip
    wait_for_port(arm.port, arm.process)


def start_otlp_sink() -> tuple[subprocess.Popen[bytes], int]:
    """The tracing arm's OTLP/HTTP endpoint (`benchmarks.otlp_sink`), in its own process."""
    port = free_port()
    args = [sys.executable, "-m", "benchmarks.otlp_sink", str(port)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, cwd=REPO)
    wait_for_port(port, process)
    return process, port


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
