"""The JSON log of a real run, and no trace of the key in anything that run wrote.

One proxy run writes stdout, stderr, a log file, a `-w` flow file and a HAR; they are read
after it stopped (mitmproxy writes the HAR on shutdown).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from authlens.credentials.keys import fingerprint_key
from authlens.fake_openai import FakeOpenAI
from tests.harness import (
    ConnectRelay,
    Proxy,
    ProxyFactory,
    key_windows,
    synthetic_key,
    upstream_args,
    wait_for,
)
from tests.logdata import CONTRACT_FIELDS

pytestmark = pytest.mark.e2e

API = "https://api.openai.com"


@dataclass
class Run:
    """A finished proxy run and what it was sent."""

    proxy: Proxy
    files: dict[str, Path]
    good_key: str
    bad_key: str
    misplaced_key: str  # sent in a query parameter and an api-key header
    responses: list[httpx.Response]


@pytest.fixture(scope="module")
def run(
    make_module_proxy: ProxyFactory,
    relay: ConnectRelay,
    good_key: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Run:
    out = tmp_path_factory.mktemp("outputs")
    files = {
        "log file": out / "authlens.jsonl",
        "flow file": out / "flows.mitm",
        "har": out / "run.har",
    }
    proxy = make_module_proxy(
        "mitmdump",
        *upstream_args(relay),
        "--set",
        f"authlens_log_file={files['log file']}",
        "-w",
        str(files["flow file"]),
        "--set",
        f"hardump={files['har']}",
    )
    bad_key, misplaced_key = synthetic_key(), synthetic_key()
    context = ssl.create_default_context(cafile=str(proxy.ca_path))
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    with httpx.Client(proxy=proxy.url, verify=context, trust_env=False, timeout=20) as client:
        responses = [
            client.get(f"{API}/v1/models", headers={"authorization": f"Bearer {good_key}"}),
            client.post(
                f"{API}/v1/chat/completions",
                json=chat,
                headers={"authorization": f"Bearer {bad_key}"},
            ),
            client.post(f"{API}/v1/chat/completions", json=chat),
            client.post(
                f"{API}/v1/chat/completions",
                json=chat,
                headers={
                    "authorization": f"Bearer {good_key}",
                    "openai-organization": "org-notmine0000000000",
                },
            ),
            client.get(f"{API}/models", headers={"authorization": f"Bearer {good_key}"}),
            client.get(
                f"{API}/v1/models?api_key={misplaced_key}", headers={"api-key": misplaced_key}
            ),
        ]
    for response in responses:
        proxy.log_line(response.headers["x-authlens-id"])
    proxy.stop()
    return Run(proxy, files, good_key, bad_key, misplaced_key, responses)


def lines_by_id(run: Run) -> dict[str, dict[str, Any]]:
    return {line["id"]: line for line in run.proxy.log_lines()}


def test_every_line_has_every_contract_field(run: Run) -> None:
    """Each exchange logs one line with all contract fields, and the log file has the same lines."""
    lines = run.proxy.log_lines()
    assert len(lines) == len(run.responses)
    for line in lines:
        assert set(line) >= set(CONTRACT_FIELDS), set(CONTRACT_FIELDS) - set(line)
        assert line["event"] == "exchange"
        assert line["timestamp"].endswith("Z")
    file_lines = [orjson.loads(x) for x in run.files["log file"].read_bytes().splitlines()]
    assert file_lines == lines


def test_lines_describe_the_exchanges(run: Run) -> None:
    """Status, cause, level, ids and key fingerprint match what each client saw."""
    lines = lines_by_id(run)
    expected = [
        (200, None, "info", fingerprint_key(run.good_key)),
        (401, "invalid_api_key", "warning", fingerprint_key(run.bad_key)),
        (401, "missing_credentials", "warning", None),
        (401, "organization_mismatch", "warning", fingerprint_key(run.good_key)),
        (404, "wrong_base_url", "warning", fingerprint_key(run.good_key)),
    ]
    seen = []
    for response in run.responses[: len(expected)]:
        line = lines[response.headers["x-authlens-id"]]
        assert line["upstream_request_id"] == response.headers["x-request-id"]
        assert line["client_request_id"] == line["id"]
        assert line["answered_by"] == "openai"
        assert line["host"] == "api.openai.com"
        assert line["sdk"] == f"python-httpx {httpx.__version__}"
        assert line["hint"] == response.headers.get("x-authlens-hint")
        seen.append((line["status"], line["cause"], line["level"], line["key"]))
    assert seen == expected


def test_no_key_window_in_any_output(run: Run) -> None:
    """No 8 consecutive characters of a key (beyond sk-proj-) in stdout, stderr or any file."""
    outputs = {
        "stdout": run.proxy.stdout_path.read_bytes(),
        "stderr": run.proxy.stderr_path.read_bytes(),
        **{name: path.read_bytes() for name, path in run.files.items()},
    }
    # mitmdump writes its own messages to stdout too, so only stderr may be empty.
    assert all(data for name, data in outputs.items() if name != "stderr")
    for key in (run.good_key, run.bad_key, run.misplaced_key):
        windows = [w.encode() for w in key_windows(key, "sk-proj-")]
        for name, data in outputs.items():
            leaked = [w for w in windows if w in data]
            assert not leaked, f"{name} contains part of a key: {leaked[:1]}"


def test_upstream_received_the_real_key(run: Run, fake: FakeOpenAI) -> None:
    """Redaction happens after the request left: the upstream got each key unchanged."""
    ids = {r.headers["x-authlens-id"] for r in run.responses}
    received = [r for r in fake.requests if r.header("x-client-request-id") in ids]
    assert len(received) == len(run.responses)
    authorizations = sorted(r.header("authorization") or "" for r in received)
    assert authorizations == sorted(
        ["", "", f"Bearer {run.bad_key}"] + [f"Bearer {run.good_key}"] * 3
    )
    misplaced = next(r for r in received if r.header("api-key"))
    assert misplaced.header("api-key") == run.misplaced_key
    assert misplaced.path == f"/v1/models?api_key={run.misplaced_key}"


def test_har_and_flow_file_were_written(run: Run) -> None:
    """The HAR really holds the exchanges (so the leak check above read real content)."""
    har = orjson.loads(run.files["har"].read_bytes())
    assert len(har["log"]["entries"]) == len(run.responses)
    wait_for(lambda: run.files["flow file"].stat().st_size or None, 5, "empty flow file")
