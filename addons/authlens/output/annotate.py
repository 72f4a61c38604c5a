"""Write a diagnosis into a JSON error body so it shows in the SDK's own exception.

Only bodies with an `error` object (OpenAI and Azure shapes) are rewritten; for anything
else the caller keeps the original bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from authlens.secrets.redactor import PLAIN, Redactor

_MAX_ANNOTATED = 1 << 20  # as diagnosis parses; larger bodies pass untouched, byte for byte


def _load_json(body: bytes | None) -> Any:
    if not body or len(body) > _MAX_ANNOTATED:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def annotate_error_body(
    body: bytes | None,
    *,
    cause: str,
    hint: str,
    exchange_id: str,
    key: str | None,
    redactor: Redactor = PLAIN,
) -> bytes | None:
    """The annotated body, or None when `body` is not a JSON error object.

    The app gets our copy of the upstream's error: every string in it is redacted (an
    upstream may echo the key in `message`, `param` or anywhere else).
    """
    data = _load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("error"), dict):
        return None
    try:
        # Most error bodies hold nothing of ours: one look at all their strings first.
        if not redactor.leaves_alone(_strings(data), partial=True):
            data = _redact_strings(data, redactor)
    except RecursionError:  # nested deeper than we walk: the body passes as it came
        return None
    error = data["error"]
    message = error.get("message")
    if isinstance(message, str):
        error["message"] = f"{message} [authlens: {hint}]" if message else f"[authlens: {hint}]"
    error["authlens"] = {"cause": cause, "hint": hint, "id": exchange_id, "key": key}
    return orjson.dumps(data)


def _strings(node: Any) -> Iterator[str]:
    """Every string in `node`, keys too (as `_redact_strings` visits them)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str):
                yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _redact_strings(node: Any, redactor: Redactor) -> Any:
    """`node` with every string (keys too) redacted; upstream wording ("Bearer YOUR_KEY") kept."""
    if isinstance(node, str):
        return redactor.text(node, auth_params=False, partial=True)
    if isinstance(node, dict):
        return {
            redactor.text(k, auth_params=False): _redact_strings(v, redactor)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_redact_strings(v, redactor) for v in node]
    return node
