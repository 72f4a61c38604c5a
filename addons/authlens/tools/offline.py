"""Diagnose recorded exchanges offline (`authlens explain`), in file order, as the proxy would.

HAR files (browser devtools exports and mitmproxy's `hardump`) are read here; mitmproxy flow
files are turned into `Exchange`s by the command, which may import mitmproxy. The same key
history runs over the file, so a key that worked earlier in the file and fails later is
`key_revoked`, exactly as in the proxy. Rows carry no secret: fingerprints and redacted URLs.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

from authlens.diagnosis.connection_rules import FLOW, classify_failure
from authlens.diagnosis.evidence import Evidence, gather_evidence
from authlens.diagnosis.history import KeyHistory, record_exchange
from authlens.diagnosis.rules import diagnose
from authlens.diagnosis.upstream import load_json
from authlens.exchange import Exchange, Failure, Finding
from authlens.output.events import model_from_body
from authlens.output.redact import redact_path
from authlens.providers import COMPATIBLE, provider_for_host

_API_PATH = re.compile(r"/v1/|/v1$|/openai/|/chat/completions|/embeddings|/responses")
_OUR_SUFFIX = re.compile(r" ?\[authlens: [^\]]*\]$")


def is_api_traffic(exchange: Exchange, credentialed: bool) -> bool:
    """Whether an exchange is worth diagnosing: an inspected host, a key, or an API path."""
    if exchange.provider != COMPATIBLE or credentialed:
        return True
    return _API_PATH.search(exchange.path.partition("?")[0]) is not None


def without_annotation(body: bytes | None) -> bytes | None:
    """The upstream's own body from one authlens annotated (error.authlens, '[authlens: ...]')."""
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("error"), dict):
        return body
    error = data["error"]
    if "authlens" not in error:
        return body
    del error["authlens"]
    if isinstance(error.get("message"), str):
        error["message"] = _OUR_SUFFIX.sub("", error["message"])
    return orjson.dumps(data)


def _headers(pairs: Any) -> dict[str, str]:
    """HAR `[{name, value}]` as lower-case names; HTTP/2 pseudo-headers are dropped."""
    headers: dict[str, str] = {}
    for pair in pairs if isinstance(pairs, list) else ():
        if isinstance(pair, dict) and isinstance(pair.get("name"), str):
            name = pair["name"].lower()
            if not name.startswith(":"):
                value = str(pair.get("value", ""))
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _epoch(started: Any) -> float:
    try:
        return datetime.fromisoformat(str(started).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _content(content: Any) -> bytes | None:
    if not isinstance(content, dict) or not isinstance(content.get("text"), str):
        return None
    text: str = content["text"]
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text)
        except (binascii.Error, ValueError):
            return None
    return text.encode("utf-8", "surrogateescape")


def har_exchange(index: int, entry: Mapping[str, Any]) -> Exchange:
    """One HAR entry as an Exchange; status 0 (no response) becomes a connection failure."""
    request, response = entry.get("request") or {}, entry.get("response") or {}
    url = urlsplit(str(request.get("url", "")))
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    request_headers = _headers(request.get("headers"))
    post = request.get("postData") or {}
    post_text = post.get("text") if isinstance(post.get("text"), str) else None
    started = _epoch(entry.get("startedDateTime"))
    elapsed = entry.get("time")
    ended = started + (float(elapsed) / 1000 if isinstance(elapsed, (int, float)) else 0.0)
    status = response.get("status")
    status = status if isinstance(status, int) and status > 0 else None
    response_headers = _headers(response.get("headers")) if status else {}
    stream = response_headers.get("content-type", "").startswith("text/event-stream")
    body = _content(response.get("content")) if status and status >= 400 and not stream else None
    failure = None
    if status is None:
        message = str(response.get("_error") or "no response")
        failure = Failure(classify_failure(FLOW, message), message)
    return Exchange(
        id=f"entry-{index}",
        provider=provider_for_host(url.hostname or ""),
        method=str(request.get("method", "GET")),
        scheme=url.scheme or "https",
        host=url.hostname or "",
        path=path,
        request_headers=request_headers,
        started=started,
        ended=ended,
        model=model_from_body(
            post_text.encode() if post_text else None, str(post.get("mimeType", ""))
        ),
        status=status,
        response_headers=response_headers,
        response_body=without_annotation(body),
        stream=stream,
        failure=failure,
    )


def har_exchanges(har: Any) -> Iterator[tuple[int, Exchange]]:
    """Every entry of a parsed HAR file, with its position in the file."""
    entries = har.get("log", {}).get("entries") if isinstance(har, dict) else None
    if not isinstance(entries, list):
        raise ValueError("not a HAR file: no log.entries")
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            yield index, har_exchange(index, entry)


def explain_row(index: int, ev: Evidence, finding: Finding | None) -> dict[str, Any]:
    """One row of `authlens explain --json` (contract section 8)."""
    ex = ev.exchange
    return {
        "index": index,
        "method": ex.method,
        "url": f"{ex.scheme}://{ex.host}{redact_path(ex.path, ev.secrets)}",
        "status": ex.status,
        "cause": finding.cause if finding else None,
        "hint": finding.hint if finding else None,
        "key": ev.key,
    }


def explain(
    exchanges: Iterable[tuple[int, Exchange]],
    history: KeyHistory | None = None,
    *,
    everything: bool = False,
) -> list[dict[str, Any]]:
    """Diagnose `exchanges` in order with one key history.

    Traffic that is not API traffic (a page's fonts and scripts in a browser HAR) is left out
    unless `everything`; indexes stay the positions in the file.
    """
    history = history if history is not None else KeyHistory()
    rows = []
    for index, exchange in exchanges:
        ev = gather_evidence(exchange, history)
        if not everything and not is_api_traffic(exchange, bool(ev.credentials)):
            continue
        finding = diagnose(ev)
        record_exchange(history, ev.key, exchange)
        rows.append(explain_row(index, ev, finding))
    return rows
