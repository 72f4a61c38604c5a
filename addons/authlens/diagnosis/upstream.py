"""Read an upstream answer: who produced it, its request id, and its error code and message.

Envelopes differ by who answered (one recorded answer of each, with its public source, in
tests/data/openai_auth_corpus.json): OpenAI's `{"error": {message, type, param, code}}`,
Azure's `{"error": {code, message}}` or `{statusCode, message}`, Anthropic's
`{"type": "error", "error": {type, message}}`, Groq (no `param`), OpenRouter (numeric
`code`), LiteLLM (`code: "401"`), one-api relays (`(request id: ...)` at the end of the
message), Mistral's `{"message", "request_id"}`, and HTML from an nginx or a corporate proxy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from authlens.registry import PROVIDERS, REQUEST_ID_HEADERS

__all__ = ["REQUEST_ID_HEADERS", "UpstreamReply", "answered_by", "read_reply"]
_MAX_PARSED_BODY = 1 << 20
# "Incorrect API key provided: sk-proj-****abcd. You can find ..." as in
# https://github.com/chatanywhere/GPT_API_free/issues/62.
_ECHO = re.compile(r"Incorrect API key provided: (.{1,512}?)\.(?: You can|$)", re.DOTALL)
_OPENAI_REQUEST_ID = re.compile(r"req_[A-Za-z0-9]{1,64}")  # OpenAI: req_ + 32 hex
_GROQ_REQUEST_ID = re.compile(r"req_01[0-9a-z]{24}")
_RELAY_SUFFIX = re.compile(r"\(request id: [A-Za-z0-9-]{6,64}\)\s*$")
# Sets: a response's header names are checked against each in one C-level pass.
_OPENAI_HEADERS = frozenset(PROVIDERS["openai"].brand_headers)
_AZURE_HEADERS = frozenset(PROVIDERS["azure"].brand_headers)
_ANTHROPIC_HEADERS = frozenset(PROVIDERS["anthropic"].brand_headers)
_GROQ_HEADERS = frozenset(PROVIDERS["groq"].brand_headers)
_LITELLM_HEADER_PREFIX = PROVIDERS["litellm"].key_headers[0].rsplit("-", 2)[0] + "-"
_SHOWN_SERVER = re.compile(r"[A-Za-z0-9 ._/()+-]{1,60}")


@dataclass(frozen=True, slots=True)
class UpstreamReply:
    """What the upstream said, reduced to the parts the rules read."""

    # "openai", "azure", "anthropic", "litellm", "one-api", "groq", "openrouter", "mistral",
    # "intermediary" (HTML or a foreign body where OpenAI/Azure was expected), "unknown".
    answered_by: str
    request_id: str | None
    code: str | None  # error.code (or type when there is no code), as text
    message: str  # error message, "" when none
    envelope: str  # "openai", "azure", "azure_entra", "anthropic", "openrouter", "mistral",
    # "html", "other", "none"
    error_type: str | None = None  # error.type when the envelope has one
    server: str | None = None  # the Server (or Via) header, shortened, for "who answered"


@dataclass(frozen=True, slots=True)
class _Body:
    envelope: str
    code: str | None
    error_type: str | None
    message: str


_WRAPPED_TEXT = 500  # a wrapped error that is not JSON: its start is enough to read


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


def _wrapped_message(error: dict[str, Any]) -> str | None:
    """The provider's own message a gateway wraps (OpenRouter's `error.metadata.raw`)."""
    metadata = error.get("metadata")
    raw = metadata.get("raw") if isinstance(metadata, dict) else None
    if not isinstance(raw, str) or not raw.strip():
        return None
    inner = load_json(raw.encode("utf-8", "surrogateescape"))
    if isinstance(inner, dict) and isinstance(inner.get("error"), dict):
        return _text(inner["error"].get("message"))
    if isinstance(inner, dict):
        return _text(inner.get("message"))
    return raw[:_WRAPPED_TEXT]


def _error_object(error: dict[str, Any]) -> _Body:
    """The `{"error": {...}}` envelopes, told apart by their keys.

    A gateway's generic message ("Provider returned error") is followed by the provider's
    own, which names the cause (an unverified organization, a policy).
    """
    message = _text(error.get("message")) or ""
    if wrapped := _wrapped_message(error):
        message = f"{message}: {wrapped}" if message else wrapped
    error_type = _text(error.get("type"))
    code = error.get("code")
    if isinstance(code, int) and not isinstance(code, bool) and "type" not in error:
        return _Body("openrouter", str(code), None, message)
    if "code" not in error and "param" not in error and error_type is not None:
        # Anthropic: only type and message (the 2023 shape lacks the outer "type").
        return _Body("anthropic", error_type, error_type, message)
    if "type" in error or "param" in error:
        return _Body("openai", _text(code) or error_type, error_type, message)
    return _Body("azure", _text(code), None, message)


def _parse(data: Any, content_type: str, body: bytes | None) -> _Body:
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            return _error_object(error)
        if isinstance(error, str):
            return _Body("other", None, None, error)
        if "statusCode" in data and "message" in data:
            message = _text(data.get("message")) or ""
            return _Body("azure_entra", _text(data.get("statusCode")), None, message)
        if isinstance(data.get("detail"), dict):
            detail = data["detail"]
            message = _text(detail.get("message")) or ""
            return _Body("other", _text(detail.get("code")), _text(detail.get("type")), message)
        message = _text(data.get("message")) or _text(data.get("detail")) or ""
        if "message" in data and ("request_id" in data or data.get("object") == "error"):
            return _Body("mistral", _text(data.get("code")), _text(data.get("type")), message)
        return _Body("other", None, None, message)
    stripped = (body or b"").lstrip()
    if "html" in content_type or stripped[:1] == b"<":
        return _Body("html", None, None, "")
    if body:
        return _Body("other", None, None, stripped[:300].decode("utf-8", "replace"))
    return _Body("none", None, None, "")


def read_reply(provider: str, headers: Mapping[str, str], body: bytes | None) -> UpstreamReply:
    """Classify an upstream response by its headers and (error) body."""
    content_type = headers.get("content-type", "")
    looks_json = "json" in content_type or (body or b"").lstrip()[:1] in (b"{", b"[")
    parsed = _parse(load_json(body) if looks_json else None, content_type, body)
    return UpstreamReply(
        answered_by=answered_by(
            provider,
            headers,
            parsed.envelope,
            parsed.message,
            parsed.code,
            error_type=parsed.error_type,
        ),
        request_id=upstream_request_id(headers),
        code=parsed.code,
        message=parsed.message,
        envelope=parsed.envelope,
        error_type=parsed.error_type,
        server=_server(headers),
    )


def _server(headers: Mapping[str, str]) -> str | None:
    """`Server` (or `Via`) as safe, short text; None when absent or odd."""
    value = headers.get("server") or headers.get("via")
    if not value:
        return None
    match = _SHOWN_SERVER.match(value.strip())
    return match.group(0).strip() if match else None


def _brand(
    headers: Mapping[str, str], envelope: str, message: str, codes: tuple[str | None, ...]
) -> str | None:
    """The service a body or header set names unambiguously, or None."""
    names = headers.keys()
    if not names.isdisjoint(_ANTHROPIC_HEADERS) or envelope == "anthropic":
        return "anthropic"
    if (
        any(name.startswith(_LITELLM_HEADER_PREFIX) for name in headers)
        or "token_not_found_in_db" in codes
        or "litellm" in message.lower()
    ):
        return "litellm"
    if _RELAY_SUFFIX.search(message):
        return "one-api"
    request_id = headers.get(REQUEST_ID_HEADERS[0], "")
    groq_headers = not names.isdisjoint(_GROQ_HEADERS)
    if groq_headers or _GROQ_REQUEST_ID.fullmatch(request_id):
        return "groq"
    if envelope in ("openrouter", "mistral"):
        return envelope
    if not names.isdisjoint(_AZURE_HEADERS) or envelope in ("azure", "azure_entra"):
        return "azure"
    openai_headers = not names.isdisjoint(_OPENAI_HEADERS)
    if envelope != "html" and (_OPENAI_REQUEST_ID.fullmatch(request_id) or openai_headers):
        return "openai"
    return None


def answered_by(
    provider: str,
    headers: Mapping[str, str],
    envelope: str,
    message: str,
    code: str | None,
    *,
    error_type: str | None = None,
) -> str:
    """Who produced the response (contract section 5, `answered_by`)."""
    brand = _brand(headers, envelope, message, (code, error_type))
    if brand is not None:
        return brand
    if envelope == "html":
        return "intermediary"
    if provider in ("openai", "azure"):
        # Neither OpenAI's nor Azure's request id or body: a gateway or relay in between.
        return "intermediary"
    return "unknown"
