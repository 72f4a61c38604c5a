"""Write a diagnosis into a JSON error body so it shows in the SDK's own exception.

Only bodies with an `error` object (OpenAI and Azure shapes) are rewritten; for anything
else the caller keeps the original bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from authlens.diagnosis.upstream import load_json
from authlens.output.redact import redact_text


def annotate_error_body(
    body: bytes | None,
    *,
    cause: str,
    hint: str,
    exchange_id: str,
    key: str | None,
    secrets: Iterable[str] = (),
) -> bytes | None:
    """The annotated body, or None when `body` is not a JSON error object."""
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("error"), dict):
        return None
    error = data["error"]
    message = error.get("message")
    if isinstance(message, str):
        # The app gets our copy of the message: it must not echo a credential either.
        message = redact_text(message, secrets, auth_params=False)
        error["message"] = f"{message} [authlens: {hint}]" if message else f"[authlens: {hint}]"
    error["authlens"] = {"cause": cause, "hint": hint, "id": exchange_id, "key": key}
    return orjson.dumps(data)
