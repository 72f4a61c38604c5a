"""Offline reading: HAR entries to exchanges, our own annotations removed, API traffic."""

from __future__ import annotations

import base64
import json

import pytest

from authlens.tools.offline import har_exchange, is_api_traffic, without_annotation
from tests.replies import exchange


def test_annotation_is_removed_from_a_saved_body() -> None:
    """error.authlens and the ' [authlens: ...]' suffix go; the upstream's text stays."""
    body = json.dumps(
        {
            "error": {
                "message": "Bad key. [authlens: fix it]",
                "code": "x",
                "authlens": {"cause": "c"},
            }
        }
    ).encode()
    cleaned = json.loads(without_annotation(body) or b"")
    assert cleaned == {"error": {"message": "Bad key.", "code": "x"}}


@pytest.mark.parametrize("body", [None, b"", b"<html>", b'{"error": {"message": "m"}}'])
def test_other_bodies_pass_unchanged(body: bytes | None) -> None:
    """Bodies authlens did not annotate are returned byte for byte."""
    assert without_annotation(body) == body


def test_har_entry_with_base64_body_and_pseudo_headers() -> None:
    """Base64 content is decoded, HTTP/2 pseudo-headers dropped, names lower-cased."""
    body = b'{"error": {"message": "m", "type": "t", "param": null, "code": "c"}}'
    entry = {
        "startedDateTime": "2025-06-15T10:42:00+00:00",
        "time": 1000,
        "request": {
            "method": "GET",
            "url": "https://api.openai.com/v1/models?x=1",
            "headers": [
                {"name": ":path", "value": "/"},
                {"name": "Authorization", "value": "Bearer k"},
            ],
        },
        "response": {
            "status": 401,
            "headers": [{"name": "Content-Type", "value": "application/json"}],
            "content": {"text": base64.b64encode(body).decode(), "encoding": "base64"},
        },
    }
    ex = har_exchange(0, entry)
    assert (ex.provider, ex.host, ex.path, ex.status) == (
        "openai",
        "api.openai.com",
        "/v1/models?x=1",
        401,
    )
    assert ex.request_headers == {"authorization": "Bearer k"}
    assert ex.response_body == body
    assert ex.ended - ex.started == pytest.approx(1.0)


def test_har_entry_without_response_is_a_failure() -> None:
    """Status 0 (devtools, hardump of an error) becomes a connection failure."""
    entry = {
        "startedDateTime": "bad date",
        "request": {"url": "https://api.openai.com/v1/x"},
        "response": {"status": 0, "_error": "connect call failed"},
    }
    ex = har_exchange(3, entry)
    assert ex.status is None
    assert ex.failure is not None
    assert ex.failure.kind == "upstream_unreachable"


@pytest.mark.parametrize(
    ("host", "path", "credentialed", "api"),
    [
        ("api.openai.com", "/favicon.ico", False, True),
        ("x.openai.azure.com", "/", False, True),
        ("relay.example", "/v1/chat/completions", False, True),
        ("relay.example", "/static/app.js", True, True),
        ("fonts.gstatic.com", "/s/font.woff2", False, False),
    ],
)
def test_api_traffic(host: str, path: str, credentialed: bool, api: bool) -> None:
    """Inspected hosts, credentialed requests and API paths are diagnosed; the rest is not."""
    assert is_api_traffic(exchange(host=host, path=path), credentialed) is api
