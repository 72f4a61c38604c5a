"""`authlens explain`: HAR files (devtools, mitmproxy hardump) and mitmproxy flow files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from mitmproxy import http, io
from mitmproxy.addons.savehar import SaveHar
from mitmproxy.test import tflow

from authlens.cli import main
from authlens.credentials.keys import fingerprint_key
from tests import har
from tests.keyfactory import leaks, project_key

KEY = project_key(1)
FP = fingerprint_key(KEY)
T0 = 1_750_000_000.0
INCORRECT = {
    "error": {
        "message": f"Incorrect API key provided: {KEY[:8]}{'*' * (len(KEY) - 12)}{KEY[-4:]}. "
        "You can find your API key at https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}
ERROR_HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "x-request-id": "req_805398c06fec4ad79e181dca89d1b6f6",
}
OK_HEADERS = {
    "content-type": "application/json",
    "x-request-id": "req_b26fb13afe114fd0927c1cd35e436a79",
    "openai-organization": "acme",
}
ROW_KEYS = {"index", "method", "url", "status", "cause", "hint", "key"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["explain", *args])
    out, err = capsys.readouterr()
    return code, out, err


def har_entry(
    url: str,
    status: int,
    response_headers: dict[str, str],
    body: object,
    started: str,
    auth: str | None = f"Bearer {KEY}",
) -> dict[str, Any]:
    request_headers = {":authority": "api.openai.com", "Content-Type": "application/json"}
    if auth:
        request_headers["Authorization"] = auth
    text = body if isinstance(body, str) else json.dumps(body)
    return har.har_entry(url, status, request_headers, response_headers, text, started)


def devtools_har(tmp_path: Path) -> Path:
    """A browser export: a success, a font, then the same key rejected."""
    entries = [
        har_entry(
            "https://api.openai.com/v1/chat/completions",
            200,
            OK_HEADERS,
            {"id": "x"},
            "2025-06-15T10:42:00.000Z",
        ),
        har_entry(
            "https://fonts.gstatic.com/s/font.woff2",
            404,
            {"content-type": "text/html"},
            "<html></html>",
            "2025-06-15T10:43:00.000Z",
            auth=None,
        ),
        har_entry(
            f"https://api.openai.com/v1/chat/completions?api_key={KEY}",
            401,
            ERROR_HEADERS,
            INCORRECT,
            "2025-06-15T11:00:00.000+00:00",
        ),
    ]
    path = tmp_path / "devtools.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    return path


def test_devtools_har_json_rows_and_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Rows follow the contract; a key that worked earlier in the file is key_revoked."""
    code, out, _ = run(capsys, str(devtools_har(tmp_path)), "--json")
    rows = json.loads(out)
    assert code == 0
    assert [row["index"] for row in rows] == [0, 2]  # the font is not API traffic
    assert all(set(row) == ROW_KEYS for row in rows)
    assert rows[0] == {
        "index": 0,
        "method": "POST",
        "url": "https://api.openai.com/v1/chat/completions",
        "status": 200,
        "cause": None,
        "hint": None,
        "key": FP,
    }
    assert rows[1]["cause"] == "key_revoked"
    assert "worked at 10:42 UTC" in rows[1]["hint"]
    assert rows[1]["url"] == "https://api.openai.com/v1/chat/completions?api_key=%5BREDACTED%5D"
    assert not leaks(out, KEY, "sk-proj-")


def test_all_includes_other_traffic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--all lists every entry of the file."""
    _, out, _ = run(capsys, str(devtools_har(tmp_path)), "--json", "--all")
    assert [row["index"] for row in json.loads(out)] == [0, 1, 2]


def test_table_is_readable_and_redacted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The default output is a table with the cause, and a summary line; no key in it."""
    code, out, _ = run(capsys, str(devtools_har(tmp_path)))
    assert code == 0
    assert "key_revoked" in out
    assert "2 exchanges, 1 diagnosed." in out
    assert not leaks(out, KEY, "sk-proj-")


def _flow(
    status: int | None,
    body: object,
    headers: dict[str, str],
    auth: str,
    path: str = "/v1/chat/completions",
    started: float = T0,
) -> http.HTTPFlow:
    flow = tflow.tflow(resp=status is not None, err=status is None)
    flow.request.host = "api.openai.com"
    flow.request.port = 443
    flow.request.scheme = "https"
    flow.request.path = path
    flow.request.method = "POST"
    flow.request.headers["Authorization"] = auth
    flow.request.timestamp_start = started
    flow.request.timestamp_end = started + 0.1
    if flow.response is not None and status is not None:
        flow.response.status_code = status
        flow.response.headers.clear()
        for name, value in headers.items():
            flow.response.headers[name] = value
        flow.response.content = orjson.dumps(body)
        flow.response.timestamp_start = started + 0.2
        flow.response.timestamp_end = started + 0.3
    return flow


def _scrubbed_annotated_flow() -> http.HTTPFlow:
    """What authlens leaves in a saved flow: a fingerprint and an annotated body."""
    body = json.loads(json.dumps(INCORRECT))
    body["error"]["message"] += " [authlens: OpenAI rejected the key.]"
    body["error"]["authlens"] = {"cause": "invalid_api_key", "hint": "h", "id": "abc", "key": FP}
    flow = _flow(401, body, ERROR_HEADERS, f"Bearer {FP}", started=T0 + 60)
    flow.metadata["authlens"] = {
        "id": "abc",
        "model": "gpt-4o",
        "stream": False,
        "client_request_id_added": True,
    }
    return flow


def test_flow_file_with_scrubbed_and_raw_flows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Flow files: fingerprints are kept as the key; the echo check does not misfire."""
    flows = [
        _flow(200, {"id": "x"}, OK_HEADERS, f"Bearer {FP}"),
        _scrubbed_annotated_flow(),
        _flow(
            401,
            {
                "error": {
                    "message": "No such organization: Personal.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": None,
                }
            },
            ERROR_HEADERS,
            f"Bearer {KEY}",
            started=T0 + 120,
        ),
        _flow(None, None, {}, f"Bearer {KEY}", started=T0 + 180),
    ]
    path = tmp_path / "flows.mitm"
    with path.open("wb") as f:
        writer = io.FlowWriter(f)
        for flow in flows:
            writer.add(flow)
    code, out, _ = run(capsys, str(path), "--json")
    rows = json.loads(out)
    assert code == 0
    assert [row["key"] for row in rows] == [FP, FP, FP, FP]
    assert [row["cause"] for row in rows[:3]] == [None, "key_revoked", "organization_invalid"]
    assert rows[3]["status"] is None
    assert rows[3]["cause"] is not None  # a connection-level cause
    assert not leaks(out, KEY, "sk-proj-")


def test_mitmproxy_hardump_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A HAR written by mitmproxy's hardump gives the same diagnosis as the flows."""
    flows = [
        _flow(200, {"id": "x"}, OK_HEADERS, f"Bearer {KEY}"),
        _flow(401, INCORRECT, ERROR_HEADERS, f"Bearer {KEY}", started=T0 + 86400),
    ]
    path = tmp_path / "dump.har"
    path.write_text(json.dumps(SaveHar().make_har(flows)))
    _, out, _ = run(capsys, str(path), "--json")
    rows = json.loads(out)
    assert [row["cause"] for row in rows] == [None, "key_revoked"]
    assert "2025-06-15 15:06 UTC" in rows[1]["hint"]


@pytest.mark.parametrize("content", [b"{not json", b'{"log": {}}', b"\x00\x01garbage"])
def test_unreadable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    """A file that is neither HAR nor flows exits 2 with a message naming it."""
    path = tmp_path / "bad.har"
    path.write_bytes(content)
    code, out, err = run(capsys, str(path))
    assert code == 2
    assert "bad.har" in err
    assert out == ""


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file exits 2."""
    code, _, err = run(capsys, str(tmp_path / "nope.har"))
    assert code == 2
    assert "nope.har" in err
