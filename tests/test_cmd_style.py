"""What a person sees from every command: errors in one or two lines, no traceback, a closed
pipe is not an error, Markdown when piped, control characters escaped, --json everywhere."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest
from mitmproxy import io
from mitmproxy.test import tflow

from tests.cli import AUTHLENS, authlens, clean_env
from tests.logdata import SESSION, line

ESC = "\x1b[2J\x1b]0;owned\x07"


def _flow_file(path: Path, request_path: str, count: int = 1) -> Path:
    with path.open("wb") as f:
        writer = io.FlowWriter(f)
        for _ in range(count):
            flow = tflow.tflow(resp=True)
            flow.request.host = "api.openai.com"
            flow.request.path = request_path
            flow.request.headers["Authorization"] = "Bearer sk-YOUR_API_KEY"
            flow.response.status_code = 401
            flow.response.headers["content-type"] = "application/json"
            flow.response.content = b'{"error": {"message": "no", "code": "invalid_api_key"}}'
            writer.add(flow)
    return path


def test_explain_flow_with_undecodable_path_as_json(tmp_path: Path) -> None:
    """A path holding bytes that are not UTF-8 is shown as \\xNN in --json, no traceback."""
    flows = _flow_file(tmp_path / "odd.mitm", "/v1/models?q=\udcff\udcfe")
    result = authlens("explain", str(flows), "--json", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    (row,) = orjson.loads(result.stdout)
    assert row["url"].endswith("/v1/models?q=\\xff\\xfe")


def test_explain_table_escapes_control_characters(tmp_path: Path) -> None:
    """An escape sequence in a stored path reaches the table as text."""
    flows = _flow_file(tmp_path / "esc.mitm", f"/v1/models?{ESC}")
    result = authlens("explain", str(flows), env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    assert "\x07" not in result.stdout
    assert "\\x1b[2J" in result.stdout


def test_explain_piped_is_markdown(tmp_path: Path) -> None:
    """Piped, the table is Markdown: a header row and a separator, no box drawing."""
    flows = _flow_file(tmp_path / "md.mitm", "/v1/models")
    out = authlens("explain", str(flows), env=clean_env(tmp_path)).stdout
    assert "| # | status | request" in out
    assert "|---" in out
    assert not any(char in out for char in "╭│─")


def test_explain_into_a_closed_pipe_exits_0(tmp_path: Path) -> None:
    """`authlens explain FILE | head -1`: no BrokenPipe message, exit 0."""
    flows = _flow_file(tmp_path / "many.mitm", "/v1/models", count=400)
    reader = subprocess.Popen(
        f"'{AUTHLENS}' explain '{flows}'; echo \"exit=$?\" >&2",
        shell=True,
        env=clean_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None
    reader.stdout.readline()
    reader.stdout.close()  # the reader leaves, as head does
    _, err = reader.communicate(timeout=60)
    assert err.decode().strip() == "exit=0"


def test_explain_on_the_json_log_points_to_report_and_tail(tmp_path: Path) -> None:
    """Given authlens's own JSONL log: exit 2 and a message naming report and tail."""
    log = tmp_path / "authlens.jsonl"
    log.write_text("\n".join(SESSION) + "\n")
    result = authlens("explain", str(log), env=clean_env(tmp_path))
    assert result.returncode == 2
    assert "report" in result.stderr
    assert "tail" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2


def test_tail_rejects_an_unknown_cause(tmp_path: Path) -> None:
    """`tail --cause bogus`: exit 2, naming it and listing the valid codes."""
    log = tmp_path / "authlens.jsonl"
    log.write_text("\n".join(SESSION) + "\n")
    result = authlens("tail", str(log), "--cause", "quoted_key,bogus", env=clean_env(tmp_path))
    assert result.returncode == 2
    assert "bogus" in result.stderr
    assert "quoted_key" in result.stderr.split("valid codes:", 1)[1]
    assert result.stdout == ""


@pytest.mark.parametrize("status", ["40l", "4XX1", "error"])
def test_tail_rejects_a_status_that_matches_nothing(tmp_path: Path, status: str) -> None:
    """`tail --status 40l`: exit 2 naming it, instead of silently matching nothing."""
    log = tmp_path / "authlens.jsonl"
    log.write_text("\n".join(SESSION) + "\n")
    result = authlens("tail", str(log), "--status", f"4xx,{status}", env=clean_env(tmp_path))
    assert result.returncode == 2
    assert status in result.stderr


def test_tail_escapes_and_shows_sdk(tmp_path: Path) -> None:
    """ESC in an upstream id reaches the screen as text; sdk is shown; our id once."""
    log = tmp_path / "authlens.jsonl"
    log.write_text(line(upstream_request_id=f"req_{ESC}", id="u-9", client_request_id="u-9") + "\n")
    out = authlens("tail", str(log), "--no-follow", env=clean_env(tmp_path)).stdout
    assert "\x1b" not in out
    assert "upstream_id=req_\\x1b[2J" in out
    assert "sdk=openai-python 1.109.1" in out
    assert out.count("u-9") == 1


def test_report_survives_odd_field_types(tmp_path: Path) -> None:
    """A log line with a non-string organization or key is counted, not a crash."""
    log = tmp_path / "authlens.jsonl"
    log.write_text(
        line(organization={"name": "x"}, project=["p"], key=7)
        + "\n"
        + line(organization=f"org-{ESC}")
        + "\n"
    )
    for args in ((), ("--json",)):
        result = authlens("report", str(log), *args, env=clean_env(tmp_path))
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout
    assert orjson.loads(result.stdout)["exchanges"] == 2


@pytest.mark.parametrize(
    "args",
    [
        ("report", "nope.jsonl"),
        ("tail", "nope.jsonl"),
        ("explain", "nope.har"),
        ("check", "--env-file", "nope.env"),
    ],
)
def test_missing_files_are_one_or_two_lines(tmp_path: Path, args: tuple[str, ...]) -> None:
    """A missing file: exit 2, at most two lines naming it, no traceback."""
    result = authlens(*args, env=clean_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2
    assert "nope." in lines[0]
