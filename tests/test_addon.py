"""The mitmproxy layer with mitmproxy's own test helpers (no proxy process)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from mitmproxy import exceptions
from mitmproxy.http import HTTPFlow, Response
from mitmproxy.proxy.mode_specs import ProxyMode
from mitmproxy.test import taddons, tflow

from authlens.credentials.keys import fingerprint_key
from authlens.proxy.addon import AuthLens
from authlens.secrets.redactor import Redactor
from tests import synthetic_keys
from tests.keyfactory import leaks, project_key

KEY = project_key(11)


def invalid_key_body(key: str) -> bytes:
    """OpenAI's 401, echoing `key` as first 8, stars, last 4 (chatanywhere/GPT_API_free#62)."""
    echo = f"{key[:8]}{'*' * (len(key) - 12)}{key[-4:]}"
    return orjson.dumps(
        {
            "error": {
                "message": f"Incorrect API key provided: {echo}. "
                "You can find your API key at https://platform.openai.com/account/api-keys.",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            }
        }
    )


INVALID_KEY_BODY = invalid_key_body(KEY)


def openai_flow(
    *,
    auth: str | None = f"Bearer {KEY}",
    status: int = 401,
    body: bytes = INVALID_KEY_BODY,
    content_type: str = "application/json; charset=utf-8",
    host: str = "api.openai.com",
    extra_headers: dict[str, str] | None = None,
) -> HTTPFlow:
    flow = tflow.tflow()
    flow.request.host = host
    flow.request.scheme = "https"
    flow.request.port = 443
    flow.request.method = "POST"
    flow.request.path = "/v1/chat/completions"
    flow.request.headers.clear()
    flow.request.headers["content-type"] = "application/json"
    if auth is not None:
        flow.request.headers["Authorization"] = auth
    for name, value in (extra_headers or {}).items():
        flow.request.headers[name] = value
    flow.request.content = b'{"model": "gpt-4o-mini", "messages": []}'
    flow.response = Response.make(
        status,
        body,
        {
            "content-type": content_type,
            "x-request-id": "req_805398c06fec4ad79e181dca89d1b6f6",
            "cf-ray": "a1e5f2c98d0fe5c0-PDX",
        },
    )
    return flow


def run_flow(addon: AuthLens, flow: HTTPFlow) -> HTTPFlow:
    addon.request(flow)
    addon.responseheaders(flow)
    addon.response(flow)
    return flow


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_rejected_key_is_diagnosed_annotated_and_logged(addon: AuthLens, log_path: Path) -> None:
    """Headers, body and one log line, all with the same id; the key appears nowhere."""
    flow = run_flow(addon, openai_flow())
    assert flow.response is not None
    headers = flow.response.headers
    assert headers["X-Authlens-Cause"] == "invalid_api_key"
    body = orjson.loads(flow.response.content or b"")
    assert body["error"]["authlens"]["id"] == headers["X-Authlens-Id"]
    assert body["error"]["message"].endswith(f"[authlens: {headers['X-Authlens-Hint']}]")
    assert flow.response.headers["content-length"] == str(len(flow.response.raw_content or b""))
    (event,) = lines(log_path)
    assert event["id"] == headers["X-Authlens-Id"]
    assert event["key"] == fingerprint_key(KEY)
    assert event["model"] == "gpt-4o-mini"
    assert event["client_request_id"] == headers["X-Authlens-Id"]
    assert not leaks(log_path.read_text(), KEY, "sk-proj-")


def test_stored_request_is_scrubbed_after_sending(addon: AuthLens) -> None:
    """The flow mitmweb/HAR/-w see holds a fingerprint; the request hook left it intact."""
    flow = openai_flow()
    addon.request(flow)
    assert flow.request.headers["Authorization"] == f"Bearer {KEY}"  # what goes upstream
    addon.responseheaders(flow)
    addon.response(flow)
    assert flow.request.headers["Authorization"] == f"Bearer {fingerprint_key(KEY)}"
    assert flow.comment.startswith("authlens: invalid_api_key")
    assert flow.marked


def test_client_request_id_kept_or_added(addon: AuthLens) -> None:
    """The client's X-Client-Request-Id goes upstream unchanged; otherwise ours is added."""
    kept = openai_flow(extra_headers={"X-Client-Request-Id": "mine-1"})
    addon.request(kept)
    assert kept.request.headers["X-Client-Request-Id"] == "mine-1"
    added = openai_flow()
    addon.request(added)
    assert added.request.headers["X-Client-Request-Id"] == added.metadata["authlens"]["id"]


def test_success_passes_untouched(addon: AuthLens, log_path: Path) -> None:
    """A 200 gets only X-Authlens-Id; its body is not touched."""
    body = b'{"id": "chatcmpl-1", "choices": []}'
    flow = run_flow(addon, openai_flow(status=200, body=body, content_type="application/json"))
    assert flow.response is not None
    assert flow.response.raw_content == body
    assert "X-Authlens-Cause" not in flow.response.headers
    assert lines(log_path)[0]["cause"] is None


def test_gzip_error_body_is_reencoded(addon: AuthLens) -> None:
    """A compressed error body is decoded, annotated and compressed again."""
    flow = openai_flow()
    assert flow.response is not None
    flow.response.headers["content-encoding"] = "gzip"
    flow.response.raw_content = gzip.compress(INVALID_KEY_BODY)
    run_flow(addon, flow)
    raw = flow.response.raw_content or b""
    assert b"[authlens:" in gzip.decompress(raw)
    assert flow.response.headers["content-length"] == str(len(raw))


@pytest.mark.parametrize(
    ("body", "content_type", "encoding"),
    [
        (b"<html>401 Authorization Required</html>", "text/html", None),
        (b'{"error": {"message": "trunc', "application/json", None),
        (b"\x1f\x8b not really gzip", "application/json", "gzip"),
    ],
)
def test_other_error_bodies_pass_byte_for_byte(
    addon: AuthLens, body: bytes, content_type: str, encoding: str | None
) -> None:
    """Bodies we cannot annotate keep every byte; the headers still carry the diagnosis."""
    flow = openai_flow(body=body, content_type=content_type)
    assert flow.response is not None
    if encoding:
        flow.response.headers["content-encoding"] = encoding
    flow.response.raw_content = body
    run_flow(addon, flow)
    assert flow.response.raw_content == body
    assert flow.response.headers["X-Authlens-Cause"]


def test_event_stream_is_streamed(addon: AuthLens) -> None:
    """text/event-stream responses are switched to streaming in responseheaders."""
    flow = openai_flow(status=200, body=b"", content_type="text/event-stream; charset=utf-8")
    addon.request(flow)
    addon.responseheaders(flow)
    assert flow.response is not None and flow.response.stream is True


def test_other_hosts_are_not_inspected(addon: AuthLens, log_path: Path) -> None:
    """Traffic to hosts outside `hosts` passes untouched and unlogged."""
    flow = run_flow(addon, openai_flow(host="example.com"))
    assert flow.response is not None
    assert "X-Authlens-Id" not in flow.response.headers
    assert not log_path.exists() or log_path.read_text() == ""


def test_reverse_mode_target_is_inspected(addon: AuthLens) -> None:
    """In reverse mode every request goes to the target, which is inspected."""
    flow = openai_flow(host="127.0.0.1")
    flow.client_conn.proxy_mode = ProxyMode.parse("reverse:http://127.0.0.1:9999")
    run_flow(addon, flow)
    assert flow.response is not None and "X-Authlens-Id" in flow.response.headers


def test_our_failure_never_breaks_the_flow(
    addon: AuthLens, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception in our code is logged as internal_error without secrets; the flow goes on."""
    import authlens.proxy.addon as module

    def explode(*_: object) -> None:
        raise RuntimeError(f"cannot parse {KEY}")

    monkeypatch.setattr(module, "gather_evidence", explode)
    flow = run_flow(addon, openai_flow())
    assert flow.response is not None and flow.response.raw_content == INVALID_KEY_BODY
    error, exchange = lines(log_path)
    assert error["event"] == "internal_error"
    # Fail closed: the exchange is still logged, with what is known.
    assert exchange["event"] == "exchange" and exchange["id"] == flow.metadata["authlens"]["id"]
    assert exchange["status"] == 401 and exchange["cause"] is None
    assert not leaks(log_path.read_text(), KEY, "sk-proj-")
    assert not leaks(str(flow.request.headers), KEY, "sk-proj-")


def test_bad_option_stops_configure(tmp_path: Path) -> None:
    """An invalid value or file raises OptionsError naming it."""
    lens = AuthLens()
    with taddons.context(lens) as tctx:
        with pytest.raises(exceptions.OptionsError, match="authlens_log_stdout"):
            tctx.configure(lens, authlens_log_stdout="loud")
        with pytest.raises(exceptions.OptionsError, match=r"missing\.toml"):
            tctx.configure(lens, authlens_config=str(tmp_path / "missing.toml"))


def test_stored_flow_scrubbed_even_when_diagnosis_fails(
    addon: AuthLens, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redaction of the stored request does not depend on the rest of our code working."""
    import authlens.proxy.addon as module

    def explode(*_: object) -> None:
        raise RuntimeError("rules broke")

    monkeypatch.setattr(module, "diagnose", explode)
    flow = openai_flow(extra_headers={"api-key": KEY})
    flow.request.path = f"/v1/models?key={KEY}"
    run_flow(addon, flow)
    stored = str(flow.request.headers) + flow.request.path
    assert not leaks(stored, KEY, "sk-proj-")


def test_log_all_logs_other_hosts_without_touching_them(
    make_addon: Callable[..., AuthLens], log_path: Path
) -> None:
    """With log_all, traffic to other hosts is logged (no cause) and otherwise untouched."""
    lens = make_addon(authlens_log_all="true")
    flow = run_flow(lens, openai_flow(host="example.com"))
    assert flow.response is not None
    assert flow.response.raw_content == INVALID_KEY_BODY
    assert "X-Authlens-Id" not in flow.response.headers
    assert "X-Client-Request-Id" not in flow.request.headers
    (event,) = lines(log_path)
    assert (event["host"], event["status"], event["cause"]) == ("example.com", 401, None)
    assert event["key"] == fingerprint_key(KEY)
    assert not leaks(log_path.read_text(), KEY, "sk-proj-")


def test_profiles_give_a_gateway_the_openai_profile(make_addon: Callable[..., AuthLens]) -> None:
    """A configured profile makes a stand-in host judged as OpenAI (other_provider_key)."""
    anthropic_key = synthetic_keys.anthropic_key(3)  # random like a real one (no filler)
    lens = make_addon(
        authlens_hosts=["llm-gateway.internal"], authlens_profiles=["llm-gateway.internal=openai"]
    )
    flow = run_flow(
        lens,
        openai_flow(
            host="llm-gateway.internal",
            auth=f"Bearer {anthropic_key}",
            body=invalid_key_body(anthropic_key),
        ),
    )
    assert flow.response is not None
    assert flow.response.headers["X-Authlens-Cause"] == "other_provider_key"
    assert "Anthropic" in flow.response.headers["X-Authlens-Hint"]


def test_key_in_any_request_header_is_scrubbed_from_the_stored_flow(addon: AuthLens) -> None:
    """The Realtime subprotocol form and a key pasted into OpenAI-Organization are scrubbed."""
    flow = openai_flow(
        auth=None,
        extra_headers={
            "Sec-WebSocket-Protocol": f"realtime, openai-insecure-api-key.{KEY}",
            "OpenAI-Organization": KEY,
        },
    )
    run_flow(addon, flow)
    assert not leaks(str(flow.request.headers), KEY, "sk-proj-")


def test_once_running_lines_go_through_the_writer_and_done_flushes_them(
    addon: AuthLens, log_path: Path
) -> None:
    """In the running proxy the file is written off the event loop; `done` writes the rest."""
    addon.running()
    assert addon.log is not None and addon.log.fanout.writer is not None
    flows = [run_flow(addon, openai_flow()) for _ in range(3)]
    addon.done()
    assert addon.log.fanout.writer is None
    ids = [flow.metadata["authlens"]["id"] for flow in flows]
    assert [e["id"] for e in lines(log_path)] == ids  # and no internal_error line


def test_response_made_in_request_hook_still_gets_one_id(addon: AuthLens) -> None:
    """Without `responseheaders` (a response another addon made), `response` sets the id once."""
    flow = openai_flow(status=200, body=b"{}", content_type="application/json")
    addon.request(flow)
    addon.response(flow)
    assert flow.response is not None
    assert flow.response.headers.get_all("X-Authlens-Id") == [flow.metadata["authlens"]["id"]]


def test_diagnosed_response_has_one_id(addon: AuthLens) -> None:
    """The id set in `responseheaders` is not written again with the diagnosis."""
    flow = run_flow(addon, openai_flow())
    assert flow.response is not None
    assert len(flow.response.headers.get_all("X-Authlens-Id")) == 1


def test_a_hint_is_redacted_once_on_its_way_to_log_headers_and_body(
    addon: AuthLens, log_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the rule to the log line, the hint header and the error body, one redaction of
    the hint: the core leaves it to the output edge, which hands the result on."""
    outputs: list[str] = []
    text = Redactor.text

    def counted(self: Redactor, value: str, **kw: Any) -> str:
        outputs.append(shown := text(self, value, **kw))
        return shown

    monkeypatch.setattr(Redactor, "text", counted)
    flow = run_flow(addon, openai_flow())
    (event,) = lines(log_path)
    assert flow.response is not None
    assert flow.response.headers["X-Authlens-Hint"] == event["hint"]
    assert event["hint"] in orjson.loads(flow.response.content or b"")["error"]["message"]
    assert outputs.count(event["hint"]) == 1
