"""Read an upstream answer: who produced it, its request id, and its error code and message.

Envelopes differ by who answered (facts section 1): OpenAI's `{"error": {message, type, param,
code}}`, Azure's `{"error": {code, message}}` or `{statusCode, message}`, Anthropic's
`{"type": "error", ...}`, and HTML from an nginx or a corporate proxy in between.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

REQUEST_ID_HEADERS = ("x-request-id", "apim-request-id", "request-id")
_MAX_PARSED_BODY = 1 << 20
# "Incorrect API key provided: sk-proj-****abcd. You can find ..." (facts section 2).
_ECHO = re.compile(r"Incorrect API key provided: (.{1,512}?)\.(?: You can|$)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class UpstreamReply:
    """What the upstream said, reduced to the parts the rules read."""

    answered_by: str  # "openai", "azure", "anthropic", "litellm", "intermediary", "unknown", ...
    request_id: str | None
    code: str | None  # error.code (or type when there is no code), as text
    message: str  # error message, "" when none
    envelope: str  # "openai", "azure", "azure_entra", "anthropic", "html", "other", "none"


def upstream_request_id(headers: Mapping[str, str]) -> str | None:
    """The upstream's own request id, OpenAI's first (contract section 5)."""
    for name in REQUEST_ID_HEADERS:
        if value := headers.get(name):
            return value
    return None


def load_json(body: bytes | None) -> Any:
    """The JSON value of `body`, or None if it is absent, too large or not JSON."""
    if not body or len(body) > _MAX_PARSED_BODY:
        return None
    try:
        return orjson.loads(body)
    except (orjson.JSONDecodeError, TypeError):
        return None


def echoed_key(message: str) -> str | None:
    """The masked credential OpenAI echoes in "Incorrect API key provided: ...", if any."""
    match = _ECHO.search(message)
    return match.group(1) if match else None


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _envelope(data: Any, content_type: str, body: bytes | None) -> tuple[str, str | None, str]:
    """(envelope name, code, message) of a parsed body."""
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            message = _text(error.get("message")) or ""
            if data.get("type") == "error" or error.get("type") == "authentication_error":
                return "anthropic", _text(error.get("type")), message
            if "type" in error or "param" in error:
                return "openai", _text(error.get("code")) or _text(error.get("type")), message
            return "azure", _text(error.get("code")), message
        if "statusCode" in data and "message" in data:
            return "azure_entra", _text(data.get("statusCode")), _text(data.get("message")) or ""
        if isinstance(data.get("detail"), dict):
            detail = data["detail"]
            return "other", _text(detail.get("code")), _text(detail.get("message")) or ""
        return "other", None, _text(data.get("message")) or ""
    if "html" in content_type or (body or b"").lstrip()[:1] == b"<":
        return "html", None, ""
    return ("other" if body else "none"), None, ""


def read_reply(provider: str, headers: Mapping[str, str], body: bytes | None) -> UpstreamReply:
    """Classify an upstream response by its headers and (error) body."""
    content_type = headers.get("content-type", "")
    data = load_json(body) if "json" in content_type or (body or b"")[:1] in (b"{", b"[") else None
    envelope, code, message = _envelope(data, content_type, body)
    request_id = upstream_request_id(headers)
    return UpstreamReply(
        answered_by=_answered_by(provider, headers, envelope, message, code),
        request_id=request_id,
        code=code,
        message=message,
        envelope=envelope,
    )


def _answered_by(
    provider: str, headers: Mapping[str, str], envelope: str, message: str, code: str | None
) -> str:
    if "anthropic-organization-id" in headers or envelope == "anthropic":
        return "anthropic"
    if (
        "x-litellm-version" in headers
        or code == "token_not_found_in_db"
        or "litellm" in message.lower()
    ):
        return "litellm"
    if re.search(r"\(request id: \d+\)\s*$", message):
        return "one-api"
    if "x-groq-region" in headers:
        return "groq"
    if "apim-request-id" in headers or envelope in ("azure", "azure_entra"):
        return "azure"
    if envelope == "html":
        return "intermediary"
    rid = headers.get("x-request-id", "")
    if rid.startswith("req_") and (envelope in ("openai", "none") or "openai-version" in headers):
        return "openai" if provider in ("openai", "compatible") else "unknown"
    if provider == "openai" and envelope == "openai":
        # An OpenAI envelope without OpenAI's request id: a gateway or relay imitating it.
        return "intermediary"
    return "unknown"
