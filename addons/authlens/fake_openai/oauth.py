"""The fake's token endpoint: workload identity federation's token exchange (RFC 8693).

A form with `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` and a JWT
`subject_token` gets a short-lived access token, unless the JWT has expired (`invalid_grant`)
or is not a JWT (`invalid_request`), answered as RFC 6749 section 5.2 says.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from urllib.parse import parse_qsl

import orjson

from authlens.fake_openai.replies import ReceivedRequest, Reply

GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # a grant type name
_JSON = (("content-type", "application/json"), ("cache-control", "no-store"))


def _error(error: str, description: str) -> Reply:
    body = orjson.dumps({"error": error, "error_description": description})
    return Reply(400, body, _JSON, request_id=False)


def _payload(token: str) -> dict[str, object] | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        data = orjson.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def token_exchange(request: ReceivedRequest) -> Reply:
    """The token endpoint's answer to `request`."""
    form = dict(parse_qsl(request.body.decode("utf-8", "replace")))
    if form.get("grant_type") != GRANT:
        return _error("unsupported_grant_type", "Only token exchange is supported here.")
    claims = _payload(form.get("subject_token", ""))
    if claims is None:
        return _error("invalid_request", "The subject token is malformed.")
    expires = claims.get("exp")
    if isinstance(expires, (int, float)) and expires < time.time():
        return _error("invalid_grant", "The subject token is expired.")
    body = {
        "access_token": f"fake-access-{secrets.token_hex(16)}",
        "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
        "token_type": "Bearer",
        "expires_in": 3600,
    }
    return Reply(200, orjson.dumps(body), _JSON, request_id=False)
