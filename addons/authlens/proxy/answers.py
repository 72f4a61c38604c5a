"""authlens's own answer where mitmproxy lets an addon answer a connection failure.

Contract section 4 (0.2): the client gets status 502 with a JSON error in OpenAI's shape and
the `X-Authlens-*` headers, so the hint reaches the app's exception as well as the log.
"""

from __future__ import annotations

import orjson
from mitmproxy import http

from authlens.secrets.text import header_safe


def failure_answer(exchange_id: str, cause: str, hint: str, key: str | None) -> http.Response:
    """A 502 whose body reads like OpenAI's errors: `{"error": {"message", "type", ...}}`."""
    hint = header_safe(hint)
    body = {
        "error": {
            "message": f"[authlens: {hint}]",
            "type": "authlens_connection_error",
            "code": cause,
            "param": None,
            "authlens": {"cause": cause, "hint": hint, "id": exchange_id, "key": key},
        }
    }
    return http.Response.make(
        502,
        orjson.dumps(body),
        {
            "Content-Type": "application/json",
            "X-Authlens-Id": exchange_id,
            "X-Authlens-Cause": cause,
            "X-Authlens-Hint": hint,
        },
    )
