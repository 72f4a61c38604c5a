"""Named replies the fake answers to `X-Fake-Reply: <name>`, copied from public reports.

Each body is the one a public issue thread shows (URL beside it); only ids are invented.
`FakeAPI.add_reply` overrides any of them.
"""

from __future__ import annotations

from typing import Final

import orjson

from authlens.fake_openai.replies import Reply, openai_error

_JSON = (("content-type", "application/json; charset=utf-8"),)
_AZURE = (("content-type", "application/json"), ("apim-request-id", "5a7cdb0a-6c3e-4d1c-9f7e"))


_UNVERIFIED = orjson.dumps(
    {
        "error": {
            "message": "Your organization must be verified to stream this model. Please go to: "
            "https://platform.openai.com/settings/organization/general and click on Verify "
            "Organization. If you just verified, it can take up to 15 minutes for access to "
            "propagate.",
            "type": "invalid_request_error",
            "param": "stream",
            "code": "unsupported_value",
        }
    }
)
_APIM_MISSING = orjson.dumps(
    {
        "statusCode": 401,
        "message": "Access denied due to missing subscription key. Make sure to include "
        "subscription key when making requests to an API.",
    }
)


def _oauth(error: str, description: str) -> bytes:
    """An RFC 6749 section 5.2 error body, as token endpoints answer."""
    return orjson.dumps({"error": error, "error_description": description})


CANNED: Final[dict[str, Reply]] = {
    # https://github.com/binary-husky/gpt_academic/issues/681 (type billing_not_active, 429)
    "billing_not_active": Reply(
        429,
        openai_error(
            "Your account is not active, please check your billing details on our website.",
            None,
            "billing_not_active",
        ),
    ),
    # https://github.com/earendil-works/pi/issues/956 (401, a US data-residency project)
    "wrong_regional_host": Reply(
        401,
        openai_error(
            "Attempted to access resource with incorrect regional hostname. Please make your "
            "request to us.api.openai.com",
            None,
        ),
    ),
    # https://github.com/Lamb-Project/lamb/issues/27 (400, param stream, code unsupported_value)
    "organization_unverified": Reply(400, _UNVERIFIED),
    # https://github.com/openai/openai-agents-js/issues/191 (403 on /v1/traces/ingest)
    "zdr_forbidden": Reply(
        403,
        openai_error(
            "Traces ingestion is not permitted for zero data retention organizations.",
            "zdr_forbidden",
        ),
    ),
    # https://github.com/langbot-app/LangBot/issues/126 (type server_error, code null); its
    # status 500 in https://github.com/LlmKira/Openaibot/issues/177
    "server_error": Reply(
        500,
        openai_error(
            "The server had an error while processing your request. Sorry about that!",
            None,
            "server_error",
        ),
    ),
    # What OpenAI answers a chat completion that arrived without its body.
    "model_missing": Reply(400, openai_error("you must provide a model parameter", None)),
    # https://github.com/openai/openai-python/issues/1527 (APIM in front of Azure OpenAI)
    "apim_missing_key": Reply(401, _APIM_MISSING, _AZURE),
    # Azure OpenAI refusing an Entra token: an empty 401 with only a WWW-Authenticate header.
    "azure_empty_401": Reply(
        401,
        b"",
        (("www-authenticate", 'Bearer error="invalid_token"'),),
        request_id=False,
    ),
    # RFC 8693 section 2.2.2 / RFC 6749 section 5.2 token endpoint errors.
    "token_exchange_invalid_grant": Reply(
        400, _oauth("invalid_grant", "The subject token is expired."), _JSON, request_id=False
    ),
}
