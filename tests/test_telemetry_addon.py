"""The addon's telemetry hooks, under mitmproxy's test context: option, counts, stream tap."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from mitmproxy import exceptions
from mitmproxy.test import taddons

from authlens.proxy.addon import AuthLens
from authlens.telemetry import StreamTap
from tests.test_addon import openai_flow, run_flow


def count(lens: AuthLens, name: str, **labels: str) -> float:
    assert lens.telemetry.metrics is not None
    value = lens.telemetry.metrics.registry.get_sample_value(name, labels)
    return value or 0.0


def test_metrics_option_counts_inspected_exchanges(
    make_addon: Callable[..., AuthLens], log_path: Path
) -> None:
    """`authlens_metrics` turns metrics on; an inspected 401 is counted, a logged-only one not."""
    lens = make_addon(authlens_log_all="true", authlens_metrics="127.0.0.1:0")
    run_flow(lens, openai_flow())
    run_flow(lens, openai_flow(host="example.com"))
    labels = {"provider": "openai", "host": "api.openai.com", "status_class": "4xx"}
    assert count(lens, "authlens_exchanges_total", **labels, cause="invalid_api_key") == 1
    assert count(lens, "authlens_auth_failures_total", cause="invalid_api_key") == 1
    other = {**labels, "provider": "compatible", "host": "example.com", "cause": ""}
    assert count(lens, "authlens_exchanges_total", **other) == 0
    lens.done()
    inspected, logged = (json.loads(line) for line in log_path.read_text().splitlines())
    # tflow's client is 127.0.0.1 (its name resolves in the background).
    assert inspected["client"].split()[0] == logged["client"].split()[0] == "127.0.0.1"
    assert inspected["trace_id"] is None and logged["span_id"] is None


def test_streams_are_tapped_only_with_telemetry(log_path: Path) -> None:
    """A stream gets the tap (first chunk, usage) when metrics are on; plain True otherwise."""
    lens = AuthLens()
    with taddons.context(lens) as tctx:
        tctx.configure(lens, authlens_log_stdout="false", authlens_log_file=str(log_path))
        stream = openai_flow(status=200, body=b"", content_type="text/event-stream")
        lens.request(stream)
        lens.responseheaders(stream)
        assert stream.response is not None and stream.response.stream is True
        tctx.configure(lens, authlens_metrics="127.0.0.1:0")
        tapped = openai_flow(status=200, body=b"", content_type="text/event-stream")
        lens.request(tapped)
        lens.responseheaders(tapped)
        assert tapped.response is not None and isinstance(tapped.response.stream, StreamTap)
        lens.done()


def test_bad_metrics_option_stops_configure(log_path: Path) -> None:
    lens = AuthLens()
    with taddons.context(lens) as tctx, pytest.raises(exceptions.OptionsError, match="'metrics'"):
        tctx.configure(lens, authlens_log_stdout="false", authlens_metrics="nowhere")
