"""Build exchanges and evidence for rule tests: a request, an upstream answer, a history."""

from __future__ import annotations

from typing import Any

import orjson

from authlens.credentials.keys import fingerprint_key
from authlens.diagnosis.evidence import Evidence, gather_evidence
from authlens.diagnosis.history import KeyHistory, KeySeen
from authlens.diagnosis.rules import RESPONSE_RULES, first_finding
from authlens.exchange import Exchange
from authlens.providers import provider_for_host

NOW = 1_750_000_000.0  # 2025-06-15 15:06:40 UTC
OPENAI_HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "x-request-id": "req_805398c06fec4ad79e181dca89d1b6f6",
    "server": "cloudflare",
}
AZURE_HEADERS = {"content-type": "application/json", "apim-request-id": "c85f3b15-cf66"}


def openai_error(
    message: str, code: str | None = None, type_: str = "invalid_request_error"
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def exchange(
    *,
    status: int = 401,
    body: object = None,
    host: str = "api.openai.com",
    path: str = "/v1/chat/completions",
    method: str = "POST",
    request_headers: dict[str, str] | None = None,
    response_headers: dict[str, str] | None = None,
    model: str | None = None,
) -> Exchange:
    raw = body if isinstance(body, bytes) or body is None else orjson.dumps(body)
    default_headers = AZURE_HEADERS if host.endswith(".azure.com") else OPENAI_HEADERS
    return Exchange(
        id="test",
        provider=provider_for_host(host),
        method=method,
        scheme="https",
        host=host,
        path=path,
        request_headers=request_headers if request_headers is not None else {},
        started=NOW - 1,
        ended=NOW,
        model=model,
        status=status,
        response_headers=response_headers if response_headers is not None else default_headers,
        response_body=raw if status >= 400 else None,
    )


def evidence(*, key: str | None = None, seen: KeySeen | None = None, **kwargs: Any) -> Evidence:
    """Evidence for an exchange sent with `Authorization: Bearer <key>` (when given)."""
    headers = dict(kwargs.pop("request_headers", None) or {})
    if key is not None:
        headers.setdefault("authorization", f"Bearer {key}")
    history = KeyHistory()
    if seen is not None and key is not None:
        history.record_success(fingerprint_key(key), seen)
    return gather_evidence(exchange(request_headers=headers, **kwargs), history)


# OpenAI answers the response-rule tests build on.
def echo(value: str) -> str:
    return value[:8] + "*" * (len(value) - 12) + value[-4:]


def incorrect(echoed: str) -> dict[str, Any]:
    return openai_error(
        f"Incorrect API key provided: {echoed}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_api_key",
    )


DIDNT = openai_error("You didn't provide an API key. You need to provide your API key in ...")
SCOPES = "You have insufficient permissions for this operation. Missing scopes: {}. Check roles."


def cause_of(**kwargs: Any) -> str | None:
    finding = first_finding(RESPONSE_RULES, evidence(**kwargs))
    return finding.cause if finding else None
