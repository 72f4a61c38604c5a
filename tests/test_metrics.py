"""Prometheus metrics: what is counted, under which names, and that the series stay bounded.

Events are built by the real core (`gather_evidence`, `diagnose`, `build_event`) from
generated exchanges and fed to the hub, as the addon does.
"""

from __future__ import annotations

import random
import string
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange
from authlens.fake_openai import INVALID_KEY_MESSAGE, masked_echo, openai_error
from authlens.output.events import build_event
from authlens.settings import SettingsError, load_settings
from authlens.telemetry import Telemetry, TelemetryError, open_telemetry
from authlens.telemetry.clientnames import ClientNames
from authlens.telemetry.metrics import Metrics, is_auth_failure
from tests.harness import synthetic_key


def invalid_key_body(key: str) -> bytes:
    """OpenAI's 401 for `key`, echoing it masked as OpenAI does."""
    return openai_error(INVALID_KEY_MESSAGE.format(echo=masked_echo(key)), "invalid_api_key")


def exchange(rng: random.Random, key: str, path: str, status: int, **changes: Any) -> Exchange:
    started = 1_800_000_000.0 + rng.random()
    base: dict[str, Any] = {
        "id": f"id-{rng.random()}",
        "provider": "openai",
        "method": "POST",
        "scheme": "https",
        "host": "api.openai.com",
        "path": path,
        "request_headers": {"authorization": f"Bearer {key}"},
        "started": started,
        "ended": started + rng.uniform(0.01, 3.0),
        "status": status,
        "response_headers": {"x-request-id": "req_" + "ab" * 16},
        "response_body": invalid_key_body(key) if status == 401 else None,
        "peer": f"10.0.{rng.randrange(256)}.{rng.randrange(256)}",
    }
    return Exchange(**{**base, **changes})


def feed(hub: Telemetry, ex: Exchange) -> dict[str, Any]:
    ev = gather_evidence(ex)
    event = build_event(ev, diagnose(ev))
    hub.observe(event, ex, ev.secrets, lambda _body: _facts(ex))
    return event


def _facts(ex: Exchange) -> Any:
    from authlens.telemetry import ReplyFacts

    return ReplyFacts(first_chunk=ex.started + 0.005)


def random_path(rng: random.Random) -> str:
    junk = "".join(rng.choices(string.ascii_letters + string.digits, k=12))
    return rng.choice(
        [
            f"/v1/chat/completions?user={junk}",
            f"/openai/deployments/{junk}/chat/completions",
            f"/v1/files/file-{junk}",
            f"/v1/{junk}/embeddings",
            f"/{junk}",
        ]
    )


def quiet_hub() -> Telemetry:
    return Telemetry(metrics=Metrics(), names=ClientNames(lambda a: "x"))


def run_traffic(hub: Telemetry, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        feed(hub, exchange(rng, synthetic_key(), random_path(rng), rng.choice([200, 401, 404])))
        for _ in range(count)
    ]


def test_series_bounded_over_ten_thousand_keys_and_paths() -> None:
    """10,000 distinct keys and paths add no series beyond those 100 exchanges made."""
    hub = quiet_hub()
    assert hub.metrics is not None
    run_traffic(hub, 100, seed=1)
    after_hundred = hub.metrics.series_count()
    events = run_traffic(hub, 10_000, seed=2)
    assert hub.metrics.series_count() == after_hundred
    exposition = _exposition(hub.metrics)
    # No fingerprint, path, id or peer reaches a label.
    for event in events[:200]:
        assert event["key"].split()[-1] not in exposition
        assert event["path"].split("?")[0] not in exposition
        assert event["id"] not in exposition
        assert event["client"].split()[0] not in exposition


def _exposition(metrics: Metrics) -> str:
    from prometheus_client import generate_latest

    return generate_latest(metrics.registry).decode()


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(_exposition(metrics))
        for sample in family.samples
    }


def test_counts_by_cause_and_genai_histogram() -> None:
    """Exchanges by provider/host/status class/cause; auth failures; GenAI duration labels."""
    hub = quiet_hub()
    assert hub.metrics is not None
    rng = random.Random(3)
    good, bad = synthetic_key(), synthetic_key()
    for _ in range(3):
        feed(hub, exchange(rng, good, "/v1/chat/completions", 200))
    for _ in range(2):
        feed(hub, exchange(rng, bad, "/v1/chat/completions", 401))
    feed(hub, exchange(rng, f'"{good}"', "/v1/embeddings", 401))
    got = samples(hub.metrics)

    def value(name: str, **labels: str) -> float:
        return got[(name, frozenset(labels.items()))]

    base = {"provider": "openai", "host": "api.openai.com"}
    assert value("authlens_exchanges_total", **base, status_class="2xx", cause="") == 3
    assert (
        value("authlens_exchanges_total", **base, status_class="4xx", cause="invalid_api_key") == 2
    )
    assert value("authlens_exchanges_total", **base, status_class="4xx", cause="quoted_key") == 1
    assert value("authlens_auth_failures_total", cause="invalid_api_key") == 2
    assert value("authlens_auth_failures_total", cause="quoted_key") == 1
    chat_ok = {
        "gen_ai_operation_name": "chat",
        "gen_ai_provider_name": "openai",
        "error_type": "",
        "server_address": "api.openai.com",
    }
    assert value("gen_ai_client_operation_duration_seconds_count", **chat_ok) == 3
    assert value("gen_ai_client_operation_time_to_first_chunk_seconds_count", **chat_ok) == 3
    embeddings_err = {**chat_ok, "gen_ai_operation_name": "embeddings", "error_type": "quoted_key"}
    assert value("gen_ai_client_operation_duration_seconds_count", **embeddings_err) == 1


@pytest.mark.parametrize(
    ("status", "cause", "counted"),
    [
        (401, "invalid_api_key", True),
        (403, "insufficient_permissions", True),
        (404, "wrong_base_url", False),
        (429, "rate_limited", False),
        (404, "quoted_key", True),  # what was sent is wrong, whatever the status
        (None, "upstream_unreachable", False),
        (200, None, False),
    ],
)
def test_auth_failure_definition(status: int | None, cause: str | None, counted: bool) -> None:
    assert is_auth_failure(status, cause) is counted


def test_metrics_served_and_kept_on_reconfigure() -> None:
    """`/metrics` answers; the same address keeps its counts, no address stops serving."""
    hub = open_telemetry("127.0.0.1:0", env={})
    assert hub.metrics is not None and hub.metrics.bound is not None
    host, port = hub.metrics.bound
    feed(hub, exchange(random.Random(4), synthetic_key(), "/v1/chat/completions", 200))
    url = f"http://{host}:{port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as answer:
        assert b"authlens_exchanges_total{" in answer.read()
    again = open_telemetry("127.0.0.1:0", previous=hub, env={})
    assert again.metrics is hub.metrics
    off = open_telemetry(None, previous=again, env={})
    assert off.metrics is None
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=5)


def test_port_zero_serves_on_a_port_the_system_chose(caplog: pytest.LogCaptureFixture) -> None:
    """`host:0` is accepted; the port actually served is readable and logged at startup."""
    assert load_settings(None, {"metrics": "127.0.0.1:0"}).metrics == "127.0.0.1:0"
    caplog.set_level("INFO", logger="authlens.telemetry.hub")
    hub = open_telemetry("127.0.0.1:0", env={})
    try:
        assert hub.metrics is not None and hub.metrics.bound is not None
        host, port = hub.metrics.bound
        assert port != 0
        assert f"serving /metrics on 127.0.0.1:{port}" in caplog.text
        with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=5) as answer:
            assert answer.status == 200
    finally:
        hub.close()


def test_port_in_use_stops_startup_naming_the_field() -> None:
    hub = open_telemetry("127.0.0.1:0", env={})
    assert hub.metrics is not None and hub.metrics.bound is not None
    host, port = hub.metrics.bound
    with pytest.raises(TelemetryError, match="'metrics'"):
        open_telemetry(f"{host}:{port}", env={})
    hub.close()


@pytest.mark.parametrize("value", ["9464", "host:", "host:99999", "a b:80", "[::1]"])
def test_bad_metrics_setting_names_the_field(value: str) -> None:
    with pytest.raises(SettingsError, match="'metrics'"):
        load_settings(None, {"metrics": value})


def test_metrics_setting_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHLENS_METRICS", ":9464")
    assert load_settings().metrics == ":9464"


def test_metrics_setting_from_toml(tmp_path: Path) -> None:
    """`metrics = "host:port"` in the TOML file; a bad value names the file and the field."""
    good = tmp_path / "good.toml"
    good.write_text('[authlens]\nmetrics = "127.0.0.1:9464"\n')
    assert load_settings(good).metrics == "127.0.0.1:9464"
    bad = tmp_path / "bad.toml"
    bad.write_text('[authlens]\nmetrics = "9464"\n')
    with pytest.raises(SettingsError, match=r"'metrics' \(config file .*bad.toml\)"):
        load_settings(bad)
