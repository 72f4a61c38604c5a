"""The fake OpenAI's named 0.2 replies, its token endpoint and traces ingest."""

from __future__ import annotations

import base64
import time
from urllib.parse import urlencode

import orjson
import pytest

from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.rules import diagnose
from authlens.fake_openai import FakeAPI, ReceivedRequest
from authlens.fake_openai.canned import CANNED
from tests.keyfactory import project_key
from tests.replies import exchange

KEY = project_key(61)
GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"


def request(path: str, *headers: tuple[str, str], body: bytes = b"") -> ReceivedRequest:
    return ReceivedRequest("POST", path, (("authorization", f"Bearer {KEY}"), *headers), body)


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("billing_not_active", "billing_not_active"),
        ("wrong_regional_host", "wrong_regional_host"),
        ("organization_unverified", "organization_unverified"),
        ("server_error", "upstream_error"),
    ],
)
def test_named_replies_are_diagnosed(name: str, cause: str) -> None:
    """Each canned body, as the fake sends it, gets its cause."""
    reply = FakeAPI([KEY]).answer(request("/v1/chat/completions", ("x-fake-reply", name)))
    assert reply is CANNED[name]
    ex = exchange(
        status=reply.status, body=reply.body, request_headers={"authorization": f"Bearer {KEY}"}
    )
    finding = diagnose(gather_evidence(ex))
    assert finding is not None
    assert finding.cause == cause
    assert "sha256:" not in finding.hint  # no wording of ours is taken for a credential


def subject(exp: float) -> str:
    claims = base64.urlsafe_b64encode(orjson.dumps({"iss": "i", "exp": exp})).decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{claims.rstrip('=')}.c2ln"


@pytest.mark.parametrize(
    ("token", "status", "error"),
    [
        (subject(time.time() + 600), 200, None),
        (subject(time.time() - 600), 400, "invalid_grant"),
        ("not-a-jwt", 400, "invalid_request"),
    ],
)
def test_token_endpoint(token: str, status: int, error: str | None) -> None:
    """A valid subject token gets an access token; an expired one invalid_grant."""
    form = urlencode({"grant_type": GRANT, "subject_token": token}).encode()
    reply = FakeAPI([KEY]).answer(ReceivedRequest("POST", "/oauth/token", (), form))
    assert reply.status == status
    assert orjson.loads(reply.body).get("error") == error


def test_traces_ingest_accepts_a_good_key() -> None:
    """The exporter's endpoint answers 204 to a known key, 401 to another."""
    api = FakeAPI([KEY])
    assert api.answer(request("/v1/traces/ingest")).status == 204
    other = ReceivedRequest("POST", "/v1/traces/ingest", (("authorization", "Bearer x"),), b"")
    assert api.answer(other).status == 401
