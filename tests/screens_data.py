"""Fixed inputs for the screen tests: a realistic JSON log and a HAR session.

Ids, times and keys are made up but shaped like the real ones (UUIDs, OpenAI request ids,
fingerprints), so the captured screens show the widths a person really meets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson

from authlens.credentials.keys import fingerprint_key
from tests.har import har_entry
from tests.keyfactory import project_key
from tests.logdata import event

KEY = project_key(51)
OTHER = project_key(52)
QUOTED_HINT = (
    "The key in the Authorization header is wrapped in quotes (straight, typographic or "
    "backticks): store it without them in OPENAI_API_KEY; Windows 'set', docker --env-file and "
    "some secret stores keep quotes literally."
)


def _exchange(n: int, **changes: Any) -> dict[str, Any]:
    uuid = f"6f1c{n:04d}-9a7e-4b1d-8c2f-1d2e3f4a5b6c"
    base = {
        "timestamp": f"2026-11-27T10:48:{20 + n:02d}.512Z",
        "id": uuid,
        "client_request_id": uuid,
        "upstream_request_id": f"req_cd291ce4ddc9a8fab7947d1bb2b7{n:04d}",
        "key": fingerprint_key(KEY),
        "duration_ms": 212.4 + n,
        "client": "127.0.0.1",
    }
    return event(**{**base, **changes})


def session_events() -> list[dict[str, Any]]:
    """A short debugging session: a success, a quoted key, a stranger's key, a 429, a failure."""
    return [
        _exchange(1, status=200, cause=None, hint=None, level="info"),
        _exchange(2, cause="quoted_key", hint=QUOTED_HINT),
        _exchange(
            3,
            cause="organization_mismatch",
            organization="org-AnotherOrganization01",
            client_request_id="app-9f2c1e77",
            hint=(
                "The key\u2019s organization is not the one in OpenAI-Organization "
                "(org-AnotherOrganization01): set OPENAI_ORG_ID to the key's org id "
                "or unset it."
            ),
        ),
        _exchange(
            4,
            status=429,
            cause="rate_limited",
            level="warning",
            project="proj_a1b2c3",
            hint="Rate limit reached for gpt-4o (requests per minute): retry after the "
            "time in Retry-After, or lower the request rate.",
            key=fingerprint_key(OTHER),
            sdk="openai-node 5.23.0",
        ),
        _exchange(
            5,
            status=None,
            cause="upstream_unreachable",
            level="error",
            path="/v1/models",
            method="GET",
            upstream_request_id=None,
            duration_ms=10012.0,
            hint=(
                "No answer from api.openai.com (connect timeout): check DNS, the firewall "
                "and HTTPS_PROXY."
            ),
        ),
    ]


def write_log(path: Path) -> Path:
    path.write_text("".join(orjson.dumps(e).decode() + "\n" for e in session_events()))
    return path


def _entry(url: str, status: int, body: object, started: str, auth: str | None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = auth
    reply = {
        "content-type": "application/json",
        "x-request-id": "req_805398c06fec4ad79e181dca89d1b6f6",
    }
    return har_entry(url, status, headers, reply, json.dumps(body), started)


def write_har(path: Path) -> Path:
    """A browser export: a success, a quoted key, then the first key rejected (revoked)."""

    def incorrect(sent: str) -> dict[str, Any]:
        masked = f"{sent[:8]}{'*' * (len(sent) - 12)}{sent[-4:]}"  # as OpenAI echoes a key
        return {
            "error": {
                "message": f"Incorrect API key provided: {masked}.",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        }

    url = "https://api.openai.com/v1/chat/completions"
    entries = [
        _entry(url, 200, {"id": "chatcmpl-1"}, "2026-11-27T10:42:00.000Z", f"Bearer {KEY}"),
        _entry(url, 401, incorrect(f'"{OTHER}"'), "2026-11-27T10:43:00.000Z", f'Bearer "{OTHER}"'),
        _entry(url, 401, incorrect(KEY), "2026-11-27T11:00:00.000Z", f"Bearer {KEY}"),
        _entry(
            url,
            401,
            {"error": {"message": "You didn't provide an API key."}},
            "2026-11-27T11:01:00.000Z",
            None,
        ),
    ]
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    return path
