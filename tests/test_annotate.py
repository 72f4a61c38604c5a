"""Hints written into JSON error bodies, so they show in the SDK's exception."""

from __future__ import annotations

import orjson
import pytest

from authlens.output.annotate import annotate_error_body
from authlens.secrets.redactor import Redactor

ARGS = {"cause": "quoted_key", "hint": "Remove the quotes.", "exchange_id": "id-1", "key": "k"}


def test_openai_error_is_annotated_in_place() -> None:
    """error.authlens is added and the hint appended to error.message; other fields stay."""
    body = b'{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}'
    out = orjson.loads(annotate_error_body(body, **ARGS) or b"")
    assert out == {
        "error": {
            "message": "Incorrect API key provided. [authlens: Remove the quotes.]",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
            "authlens": {
                "cause": "quoted_key",
                "hint": "Remove the quotes.",
                "id": "id-1",
                "key": "k",
            },
        }
    }


def test_azure_error_and_empty_message() -> None:
    """Azure's {code, message} shape is annotated; an empty message gets the hint alone."""
    out = orjson.loads(annotate_error_body(b'{"error":{"code":"401","message":""}}', **ARGS) or b"")
    assert out["error"]["message"] == "[authlens: Remove the quotes.]"
    assert out["error"]["authlens"]["cause"] == "quoted_key"


def test_echoed_secret_is_redacted_in_our_copy() -> None:
    """The body we hand the app never repeats a credential the request carried."""
    secret = "zz-credential-value-0123456789"
    body = orjson.dumps({"error": {"message": f"bad key {secret}", "type": "x"}})
    out = annotate_error_body(body, **ARGS, redactor=Redactor([secret])) or b""
    assert secret.encode() not in out


@pytest.mark.parametrize(
    "body",
    [
        None,
        b"",
        b"<html><body>401 Authorization Required</body></html>",
        b'{"statusCode": 401, "message": "Unauthorized."}',
        b'{"error": "just a string"}',
        b'["error"]',
        b'{"error": {"message": "trunc',
        b"\xff\xfe\x00not json",
        b'{"message": "Unauthorized", "request_id": "abc"}',
    ],
)
def test_other_bodies_are_left_alone(body: bytes | None) -> None:
    """Anything but a JSON object with an `error` object is not rewritten."""
    assert annotate_error_body(body, **ARGS) is None
