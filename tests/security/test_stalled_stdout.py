"""Issue 10, Medium 7: a stdout nobody reads (a pager, a blocking log driver) stalls nothing.

`authlens run` writes its JSON lines to a pipe that is never read: once the pipe is full,
requests must still be answered at once, and the log file must still get every line.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests import harness
from tests.harness import (
    ConnectRelay,
    Proxy,
    clean_env,
    synthetic_key,
    upstream_args,
    wait_for,
)
from tests.security.kit import bearer, raw


def test_a_stalled_stdout_reader_does_not_stall_forwarding(
    relay: ConnectRelay, confdir: Path, authority: harness.TestAuthority, tmp_path: Path
) -> None:
    """60 exchanges with 2 KB paths (far beyond what a pipe holds) all pass; all are logged."""
    log = tmp_path / "authlens.jsonl"
    proxy = Proxy(
        launcher="authlens",
        args=(*upstream_args(relay), "--set", f"authlens_log_file={log}"),
        workdir=tmp_path,
        confdir=confdir,
        upstream_ca=authority.pem,
    )
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as err:
        # stdout is a pipe this test never reads.
        process = subprocess.Popen(
            proxy.argv(), stdout=subprocess.PIPE, stderr=err, env=clean_env(), cwd=tmp_path
        )
    proxy.process = process
    try:
        proxy.await_ready(20)
        ids = []
        began = time.monotonic()
        for i in range(60):
            path = f"/v1/models?pad={i}{'p' * 2000}".encode()
            answer = raw(proxy, "GET", path, [bearer(synthetic_key())])
            ids.append(answer.headers["x-authlens-id"])
        assert time.monotonic() - began < 60  # each answered (raw() itself times out at 30 s)
        logged = wait_for(
            lambda: ((lines := log.read_text().count("\n")) >= 60 and lines) or None,
            20,
            "the log file did not get every line",
        )
        assert logged == 60
        assert all(i in log.read_text() for i in ids)
        assert process.poll() is None
    finally:
        process.kill()
        process.wait(10)
        assert process.stdout is not None
        process.stdout.close()
