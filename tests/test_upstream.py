"""Reading upstream replies: envelope, code, message, request id and who answered."""

from __future__ import annotations

import orjson
import pytest

from authlens.diagnosis.upstream import answered_by, echoed_key, read_reply, upstream_request_id

OPENAI_ID = {"x-request-id": "req_805398c06fec4ad79e181dca89d1b6f6", "server": "cloudflare"}
JSON = {"content-type": "application/json; charset=utf-8"}


def _body(value: object) -> bytes:
    return orjson.dumps(value)


OPENAI_401 = {
    "error": {
        "message": "Incorrect API key provided: DEADBEEF. You can find your API key at x.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}
LITELLM_401 = {
    "error": {
        "message": "Authentication Error, Invalid proxy server token passed. not found in db.",
        "type": "token_not_found_in_db",
        "param": "key",
        "code": "401",
    }
}
ONE_API_403 = {
    "error": {
        "message": "Country, region, or territory not supported (request id: 2024072510422562)",
        "type": "request_forbidden",
        "param": "",
        "code": "unsupported_country_region_territory",
    }
}
GROQ_401 = {
    "error": {
        "message": "Invalid API Key",
        "type": "invalid_request_error",
        "code": "invalid_api_key",
    }
}
ANTHROPIC_401 = {
    "type": "error",
    "error": {"type": "authentication_error", "message": "invalid x-api-key"},
    "request_id": "req_011CaJCR7Pm2Jh2LbWpBH5Y6",
}
ANTHROPIC_LEGACY = {"error": {"type": "authentication_error", "message": "Invalid API Key"}}
AZURE_401 = {"error": {"code": "401", "message": "Access denied due to invalid subscription key."}}
AZURE_ENTRA = {"statusCode": 401, "message": "Unauthorized. Access token is missing, invalid."}
OPENROUTER_401 = {"error": {"message": "No auth credentials found", "code": 401}}
MISTRAL_401 = {"message": "Unauthorized", "request_id": "c61f2f15feca71626a990e3740f99245"}
DEEPSEEK_401 = {
    "error": {
        "message": "Authentication Fails, Your api key: ****.... is invalid",
        "type": "authentication_error",
        "param": None,
        "code": "invalid_request_error",
    }
}
HTML = b"<html><head><title>401 Authorization Required</title></head><body>nginx</body></html>"


@pytest.mark.parametrize(
    ("provider", "headers", "body", "who"),
    [
        ("openai", {**OPENAI_ID, **JSON}, _body(OPENAI_401), "openai"),
        ("openai", {"openai-version": "2020-10-01", **JSON}, _body(OPENAI_401), "openai"),
        ("compatible", {**OPENAI_ID, **JSON}, _body(OPENAI_401), "openai"),
        ("openai", JSON, _body(OPENAI_401), "intermediary"),  # no OpenAI request id
        ("openai", {}, None, "intermediary"),
        ("compatible", {}, None, "unknown"),
        ("openai", JSON, _body(LITELLM_401), "litellm"),
        ("compatible", {"x-litellm-version": "1.50.0", **JSON}, b"{}", "litellm"),
        ("compatible", JSON, _body(ONE_API_403), "one-api"),
        ("openai", JSON, _body(ONE_API_403), "one-api"),
        ("compatible", {"x-groq-region": "us-west-1", **JSON}, _body(GROQ_401), "groq"),
        ("compatible", {"x-request-id": "req_01jngbvsctfy0bmjw87yea904b"}, _body(GROQ_401), "groq"),
        ("compatible", JSON, _body(ANTHROPIC_401), "anthropic"),
        ("compatible", JSON, _body(ANTHROPIC_LEGACY), "anthropic"),
        ("compatible", {"anthropic-organization-id": "x"}, b"", "anthropic"),
        ("azure", {"apim-request-id": "c85f3b15", **JSON}, _body(AZURE_401), "azure"),
        ("azure", JSON, _body(AZURE_401), "azure"),
        ("azure", JSON, _body(AZURE_ENTRA), "azure"),
        ("compatible", JSON, _body(OPENROUTER_401), "openrouter"),
        ("compatible", JSON, _body(MISTRAL_401), "mistral"),
        ("compatible", JSON, _body(DEEPSEEK_401), "unknown"),
        ("openai", {"content-type": "text/html", "server": "nginx/1.15.8"}, HTML, "intermediary"),
        ("compatible", {}, HTML, "intermediary"),
        ("azure", {"content-type": "text/plain"}, b"Proxy Authentication Required", "intermediary"),
    ],
)
def test_answered_by(provider: str, headers: dict[str, str], body: bytes | None, who: str) -> None:
    """Each provider's envelope and headers name who produced the response."""
    assert read_reply(provider, headers, body).answered_by == who


@pytest.mark.parametrize(
    ("body", "envelope", "code", "error_type", "message"),
    [
        (_body(OPENAI_401), "openai", "invalid_api_key", "invalid_request_error", "Incorrect"),
        (
            _body(
                {
                    "error": {
                        "message": "quota",
                        "type": "insufficient_quota",
                        "param": None,
                        "code": None,
                    }
                }
            ),
            "openai",
            "insufficient_quota",
            "insufficient_quota",
            "quota",
        ),
        (_body(AZURE_401), "azure", "401", None, "Access denied"),
        (_body(AZURE_ENTRA), "azure_entra", "401", None, "Unauthorized."),
        (
            _body(ANTHROPIC_401),
            "anthropic",
            "authentication_error",
            "authentication_error",
            "invalid",
        ),
        (_body(OPENROUTER_401), "openrouter", "401", None, "No auth"),
        (_body(MISTRAL_401), "mistral", None, None, "Unauthorized"),
        (
            _body({"detail": {"message": "expired", "code": "token_expired"}}),
            "other",
            "token_expired",
            None,
            "expired",
        ),
        (_body({"error": "Unauthorized"}), "other", None, None, "Unauthorized"),
        (HTML, "html", None, None, ""),
        (b"Forbidden by policy", "other", None, None, "Forbidden by policy"),
        (None, "none", None, None, ""),
        (b"{not json", "other", None, None, "{not json"),
    ],
)
def test_envelope_code_and_message(
    body: bytes | None, envelope: str, code: str | None, error_type: str | None, message: str
) -> None:
    """The envelope is recognised and its code, type and message extracted."""
    reply = read_reply("compatible", {}, body)
    assert (reply.envelope, reply.code, reply.error_type) == (envelope, code, error_type)
    assert reply.message.startswith(message)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-request-id": "req_1", "apim-request-id": "a"}, "req_1"),
        ({"apim-request-id": "a", "request-id": "b"}, "a"),
        ({"request-id": "b"}, "b"),
        ({}, None),
    ],
)
def test_upstream_request_id(headers: dict[str, str], expected: str | None) -> None:
    """OpenAI's x-request-id first, then Azure's apim-request-id, then request-id."""
    assert upstream_request_id(headers) == expected


@pytest.mark.parametrize(
    ("message", "echo"),
    [
        (
            "Incorrect API key provided: sk-proj-****Ab3d. You can find your API key at x.",
            "sk-proj-****Ab3d",
        ),
        ("Incorrect API key provided: undefined. You can find your API key at x.", "undefined"),
        ('Incorrect API key provided: "sk-RoCv***ABM". You can find', '"sk-RoCv***ABM"'),
        ("Incorrect API key provided: 1.2.3. You can find", "1.2.3"),
        ("Incorrect API key provided: 210*****0344.", "210*****0344"),
        ("You didn't provide an API key.", None),
    ],
)
def test_echoed_key(message: str, echo: str | None) -> None:
    """The masked key OpenAI echoes is extracted, dots inside short values included."""
    assert echoed_key(message) == echo


@pytest.mark.parametrize(
    ("headers", "server"),
    [
        ({"server": "nginx/1.15.8"}, "nginx/1.15.8"),
        ({"via": "1.1 squid-proxy"}, "1.1 squid-proxy"),
        ({"server": "\x00evil<script>"}, None),
        ({}, None),
    ],
)
def test_server_is_shown_only_when_plain(headers: dict[str, str], server: str | None) -> None:
    """The Server/Via header is kept for hints only when it is plain short text."""
    assert read_reply("openai", headers, HTML).server == server


def test_answered_by_is_public_and_pure() -> None:
    """`answered_by` can be called on parts alone (used by tests of other modules)."""
    assert answered_by("openai", {}, "html", "", None) == "intermediary"
