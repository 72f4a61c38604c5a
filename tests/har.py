"""HAR entries as browser devtools export them: one POST to the API and its answer.

Shared by the `explain` tests and the screens' fixture files.
"""

from __future__ import annotations

from typing import Any


def har_entry(
    url: str,
    status: int,
    request_headers: dict[str, str],
    response_headers: dict[str, str],
    text: str,
    started: str,
) -> dict[str, Any]:
    """A POST of `{"model": "gpt-4o"}` to `url` answered `status` with the body `text`."""
    return {
        "startedDateTime": started,
        "time": 250.5,
        "request": {
            "method": "POST",
            "url": url,
            "headers": [{"name": k, "value": v} for k, v in request_headers.items()],
            "postData": {"mimeType": "application/json", "text": '{"model": "gpt-4o"}'},
        },
        "response": {
            "status": status,
            "headers": [{"name": k, "value": v} for k, v in response_headers.items()],
            "content": {"mimeType": response_headers.get("content-type", ""), "text": text},
        },
    }
