"""The model a request asks for, read from its JSON body (the `model` log field).

Read once per flow when its request arrives (`proxy/flowdata.new_state`), and from the
requests of HAR and flow files (`tools/offline`). Pure: plain bytes in, text out.
"""

from __future__ import annotations

import re

import orjson

from authlens.secrets.redactor import PLAIN

_MODEL = re.compile(rb'"model"\s*:\s*"([^"\\]{1,200})"')
_MAX_JSON_SCAN = 256 * 1024


def model_from_body(body: bytes | None, content_type: str) -> str | None:
    """The top-level `model` of a JSON request body, or None; cheap on large bodies."""
    if not body or "json" not in content_type:
        return None
    if len(body) <= _MAX_JSON_SCAN:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        model = data.get("model") if isinstance(data, dict) else None
        # A key sent as the model (a swapped argument) is stored as its fingerprint.
        return PLAIN.text(model[:200]) if isinstance(model, str) else None
    # Large prompts: the SDKs write `model` near the start; a bounded scan avoids a full parse.
    match = _MODEL.search(body, 0, 4096)
    return PLAIN.text(match.group(1).decode("utf-8", "replace")) if match else None
