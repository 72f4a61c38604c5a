"""A real Prometheus server scrapes a running authlens while real clients send traffic.

Prometheus (Debian's package, `.ci/needs/prometheus.sh`) runs on 127.0.0.1 with a generated
config and a one-second scrape interval; the counts are read back through its HTTP query
API, polling until the expected value is there. The story the metrics must tell: one
service's key worked, was then revoked, and the revocation shows up as `key_revoked`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from authlens.fake_openai import FakeOpenAI
from tests import harness
from tests.harness import (
    ConnectRelay,
    ProxyFactory,
    clean_env,
    listening_port,
    synthetic_key,
    upstream_args,
    wait_for,
)

pytestmark = pytest.mark.e2e

PROMETHEUS = shutil.which("prometheus")
if PROMETHEUS is None and os.environ.get("CI"):
    raise RuntimeError("prometheus is not installed: run .ci/needs/prometheus.sh")
needs_prometheus = pytest.mark.skipif(
    PROMETHEUS is None, reason="prometheus not installed (.ci/needs/prometheus.sh)"
)


# Both servers are started on port 0 and say which port they got.
PROMETHEUS_LISTENS = re.compile(r'msg="Listening on" address=127\.0\.0\.1:(\d+)')
METRICS_SERVED = re.compile(r"serving /metrics on 127\.0\.0\.1:(\d+)")


class Prometheus:
    """A Prometheus server scraping `target` every second, and its query API."""

    def __init__(self, workdir: Path, target: str) -> None:
        assert PROMETHEUS is not None
        config = workdir / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: authlens\n"
            f"    static_configs:\n      - targets: ['{target}']\n"
        )
        log = workdir / "prometheus.log"
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'data'}",
                "--web.listen-address=127.0.0.1:0",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.port = listening_port(self.process, log, says=PROMETHEUS_LISTENS)
        wait_for(self.ready, 60, "prometheus did not become ready")

    def ready(self) -> bool | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2):
                return True
        except OSError:
            return None

    def query(self, promql: str) -> float | None:
        """The single value of an instant query, or None while it has no result."""
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode(
            {"query": promql}
        )
        with urllib.request.urlopen(url, timeout=5) as answer:
            data = json.load(answer)
        assert data["status"] == "success", data
        result = data["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    def wait_value(self, promql: str, expected: float, timeout: float = 30) -> None:
        """Poll until `promql` equals `expected` (Prometheus scrapes every second)."""
        wait_for(
            lambda: True if self.query(promql) == expected else None,
            timeout,
            f"{promql} never became {expected}; last: {self.query(promql)}",
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.log.close()


@pytest.fixture
def own_fake(authority: harness.TestAuthority) -> Iterator[tuple[FakeOpenAI, ConnectRelay]]:
    """A fake of this test's own: its keys change during the test."""
    server = FakeOpenAI([], ssl_context=authority.server_context()).start()
    tunnel = ConnectRelay(server.port)
    yield server, tunnel
    tunnel.close()
    server.stop()


@needs_prometheus
def test_prometheus_sees_the_revoked_key(
    make_proxy: ProxyFactory, own_fake: tuple[FakeOpenAI, ConnectRelay], tmp_path: Path
) -> None:
    """Successes, a wrong key, then a revoked key: Prometheus reads each count back."""
    fake, relay = own_fake
    proxy = make_proxy(
        "mitmdump", *upstream_args(relay), "--set", "authlens_metrics=127.0.0.1:0", env=clean_env()
    )
    served = METRICS_SERVED.search(proxy.stdout() + proxy.stderr())
    assert served, proxy.stderr()
    prometheus = Prometheus(tmp_path, f"127.0.0.1:{served[1]}")
    try:
        prometheus.wait_value('up{job="authlens"}', 1)
        key = synthetic_key()
        fake.keys = frozenset({key})
        app = proxy.openai(key)
        for _ in range(3):
            app.chat.completions.create(model="gpt-4o-mini", messages=[])
        for _ in range(2):
            with pytest.raises(openai.AuthenticationError):
                proxy.openai(synthetic_key()).models.list()
        fake.keys = frozenset()  # the key is revoked in the dashboard
        with pytest.raises(openai.AuthenticationError) as caught:
            app.chat.completions.create(model="gpt-4o-mini", messages=[])
        assert caught.value.response.headers["x-authlens-cause"] == "key_revoked"

        ok = 'authlens_exchanges_total{status_class="2xx",host="api.openai.com",provider="openai"}'
        prometheus.wait_value(f"sum({ok})", 3)
        prometheus.wait_value('sum(authlens_auth_failures_total{cause="invalid_api_key"})', 2)
        prometheus.wait_value('sum(authlens_auth_failures_total{cause="key_revoked"})', 1)
        prometheus.wait_value(
            "sum(gen_ai_client_operation_duration_seconds_count"
            '{gen_ai_operation_name="chat",error_type="key_revoked",gen_ai_provider_name="openai"})',
            1,
        )
        prometheus.wait_value(
            'sum(gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name="models"})', 2
        )
        # The alert a team would write: key_revoked rising.
        prometheus.wait_value(
            'sum(increase(authlens_auth_failures_total{cause="key_revoked"}[1m])) > bool 0', 1
        )
        # Who: the log line of that exchange names the client (address, then its name).
        line = proxy.log_line(caught.value.response.headers["x-authlens-id"])
        assert line["client"] is not None and line["client"].startswith("127.0.0.1")
    finally:
        prometheus.stop()
