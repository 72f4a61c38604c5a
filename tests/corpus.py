"""OpenAI's recorded error answers (`tests/data/openai_auth_corpus.json`) as fake replies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from authlens.fake_openai.replies import Reply, openai_error

CORPUS_PATH = Path(__file__).parent / "data" / "openai_auth_corpus.json"
# Hop-by-hop and per-message headers the fake's server writes itself.
_SERVER_WRITES = ("connection", "content-length", "transfer-encoding", "date")


def load_corpus() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(CORPUS_PATH.read_text())
    return entries


def corpus_reply(entry: Mapping[str, Any], encoding: str | None = None) -> Reply:
    """The fake's reply for a corpus entry (message-only entries get OpenAI's error body)."""
    body = entry.get("body")
    if body is None and entry.get("observed_message"):
        body = orjson.loads(openai_error(entry["observed_message"], entry.get("observed_code")))
    headers = {k.lower(): v for k, v in (entry.get("headers") or {}).items()}
    headers.setdefault("content-type", "application/json; charset=utf-8")
    for name in _SERVER_WRITES:
        headers.pop(name, None)
    raw = orjson.dumps(body) if body is not None else b""
    return Reply(entry.get("status") or 401, raw, tuple(headers.items()), encoding)
