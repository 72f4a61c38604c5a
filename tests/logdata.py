"""Log lines for the tail and report tests: the contract's fields, made up values."""

from __future__ import annotations

from typing import Any

import orjson


def event(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "timestamp": "2026-01-15T08:00:00.250Z",
        "level": "warning",
        "event": "exchange",
        "id": "id-1",
        "client_request_id": "c-1",
        "upstream_request_id": "req_1",
        "method": "POST",
        "host": "api.openai.com",
        "path": "/v1/chat/completions",
        "status": 401,
        "duration_ms": 250.0,
        "cause": "quoted_key",
        "hint": "The key is wrapped in quotes [remove them].",
        "answered_by": "openai",
        "key": "sk-proj-...abcd sha256:3f2a9c1b0d4e",
        "organization": None,
        "project": None,
        "model": "gpt-4o",
        "stream": False,
        "sdk": "openai-python 1.109.1",
    }
    base.update(changes)
    return base


def line(**changes: Any) -> str:
    return orjson.dumps(event(**changes)).decode()


OK = {"status": 200, "cause": None, "hint": None, "level": "info"}

SESSION = [
    line(id="e1", timestamp="2026-01-15T08:00:00.000Z", duration_ms=120.0),
    line(
        id="e2",
        timestamp="2026-01-15T08:00:01.000Z",
        duration_ms=900.0,
        **OK,
        organization="org-a",
        project="proj_a",
        key="sk-proj-...wxyz sha256:000000000001",
    ),
    "mitmproxy banner: not json",
    line(
        id="e3",
        timestamp="2026-01-15T08:00:02.000Z",
        duration_ms=30.0,
        status=None,
        cause="upstream_unreachable",
        hint="No answer.",
        host="x.openai.azure.com",
        key=None,
    ),
    line(
        id="e4",
        timestamp="2026-01-15T08:00:03.000Z",
        duration_ms=2500.0,
        status=429,
        cause="rate_limited",
        hint="Slow down.",
        organization="org-a",
        project="proj_a",
    ),
]

# Every exchange line's fields in order (contract section 5, with the 0.2 telemetry fields).
CONTRACT_FIELDS = [
    "timestamp",
    "level",
    "event",
    "id",
    "client_request_id",
    "upstream_request_id",
    "method",
    "host",
    "path",
    "status",
    "duration_ms",
    "cause",
    "hint",
    "answered_by",
    "key",
    "organization",
    "project",
    "model",
    "stream",
    "sdk",
    "client",
    "trace_id",
    "span_id",
]
