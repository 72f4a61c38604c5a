"""The regular-mode HTTPS variant: client -> CONNECT -> TLS via mitmproxy -> TLS upstream.

Here TLS on both legs costs the proxy more than authlens does, so the ratios shrink; it shows
what a user of `HTTPS_PROXY` sees. Each arm has its own confdir (its own CA), and the upstream
a trustme certificate that mitmproxy is told not to verify (`ssl_insecure`).
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import trustme

from benchmarks.load import mixed_requests, run_load
from benchmarks.procs import ADDON, Arm, cpu_seconds, start_arm, start_upstream, stop
from benchmarks.stats import RunFigures, run_figures

if TYPE_CHECKING:
    from benchmarks.run import Plan

HOST = "localhost"


class HttpsSetup:
    """A TLS upstream and two regular-mode arms (bare, authlens), started at construction."""

    def __init__(self, tmp: Path, chunks: int) -> None:
        ca = trustme.CA()
        cert = ca.issue_cert(HOST)
        cert_file, key_file = tmp / "upstream.pem", tmp / "upstream.key"
        cert.cert_chain_pems[0].write_to_path(str(cert_file))
        cert.private_key_pem.write_to_path(str(key_file))
        self.upstream: subprocess.Popen[bytes] | None = None
        self.upstream, port = start_upstream(chunks, 0, (cert_file, key_file))
        self.tunnel = f"{HOST}:{port}"
        addon = ("-s", str(ADDON), "--set", f"authlens_hosts={HOST}")
        self.arms = [Arm("bare", ()), Arm("authlens", addon)]
        for arm in self.arms:  # own CA per arm; the upstream's test certificate is not verified
            confdir = ("--set", f"confdir={tmp / f'conf-{arm.name}'}", "--set", "ssl_insecure=true")
            arm.extra_args = confdir + arm.extra_args
        self.contexts: dict[str, ssl.SSLContext] = {}
        try:
            for arm in self.arms:
                start_arm(arm, "regular", tmp / f"https-{arm.name}.stderr")
                ca_file = tmp / f"conf-{arm.name}" / "mitmproxy-ca-cert.pem"
                self.contexts[arm.name] = ssl.create_default_context(cafile=str(ca_file))
        except BaseException:
            self.stop()  # nobody else holds these processes yet
            raise

    def measure(self, arm: Arm, total: int, connections: int) -> RunFigures:
        requests = mixed_requests(HOST)
        load = run_load(
            arm.port, requests, total, connections, tunnel=self.tunnel, tls=self.contexts[arm.name]
        )
        proxy_before, client_before = cpu_seconds(arm.pid), time.process_time()
        result = asyncio.run(load)
        return run_figures(
            result, cpu_seconds(arm.pid) - proxy_before, time.process_time() - client_before
        )

    def run(self, plan: Plan) -> dict[str, list[RunFigures]]:
        """Warm up, then alternate the arms over `plan.rounds` rounds of concurrent load."""
        for arm in self.arms:
            self.measure(arm, plan.warmup, plan.connections)
        figures: dict[str, list[RunFigures]] = {arm.name: [] for arm in self.arms}
        for n in range(plan.rounds):
            for arm in self.arms if n % 2 == 0 else self.arms[::-1]:
                figures[arm.name].append(self.measure(arm, plan.concurrent, plan.connections))
        return figures

    def stop(self) -> None:
        for arm in self.arms:
            stop(arm.process)
        stop(self.upstream)
