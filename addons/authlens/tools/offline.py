"""Diagnose recorded exchanges offline (`authlens explain`), in file order, as the proxy would.

HAR files (browser devtools exports and mitmproxy's `hardump`) and the flows of a mitmproxy
flow file (read by the command, which may import mitmproxy) become `Exchange`s here. The same
key history runs over the file, so a key that worked earlier in the file and fails later is
`key_revoked`, exactly as in the proxy. Rows carry no secret: fingerprints and redacted URLs.

Files authlens wrote hold scrubbed credentials: a quoted or truncated key is a fingerprint
there and has lost the shape that was diagnosed. What the live proxy recorded (the flow's
`metadata["authlens"]`, or the `X-Authlens-Cause`/`-Hint` headers and `error.authlens` of a
HAR) is then the diagnosis, marked "(recorded live)".
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

from authlens.causes import ALL_CODES
from authlens.diagnosis.evidence import Evidence, gather_evidence
from authlens.diagnosis.failures import FLOW, classify_failure
from authlens.diagnosis.history import KeyHistory, record_exchange
from authlens.diagnosis.request_model import model_from_body
from authlens.diagnosis.rules import diagnose
from authlens.diagnosis.upstream import load_json
from authlens.exchange import Exchange, Failure, Finding, Side
from authlens.providers import COMPATIBLE, provider_for_host
from authlens.secrets.redactor import Redactor

_API_PATH = re.compile(r"/v1/|/v1$|/openai/|/chat/completions|/embeddings|/responses")
_OUR_SUFFIX = re.compile(r" ?\[authlens: [^\]]*\]$")
RECORDED_LIVE = " (recorded live)"


@dataclass(frozen=True, slots=True)
class Recorded:
    """The live proxy's diagnosis of an exchange, as it stored it (nothing secret)."""

    cause: str | None
    hint: str | None
    key: str | None


# (position in the file, the exchange, what the live proxy recorded, if it did)
Entry = tuple[int, Exchange, Recorded | None]


def recorded(
    headers: Mapping[str, str], body: bytes | None, meta: Mapping[str, Any] | None = None
) -> Recorded | None:
    """What authlens recorded live: the flow state (`-w`), else headers and body (HAR).

    A flow authlens inspected carries `X-Authlens-Id`; one without a cause succeeded. A
    cause that is not a registered code is not ours and is ignored.
    """
    if meta and "cause" in meta:
        cause, hint, key = meta.get("cause"), meta.get("hint"), meta.get("key")
    elif "x-authlens-id" in headers:
        cause, hint, key = headers.get("x-authlens-cause"), headers.get("x-authlens-hint"), None
        ours = load_json(body)
        error = ours.get("error") if isinstance(ours, dict) else None
        note = error.get("authlens") if isinstance(error, dict) else None
        if isinstance(note, dict) and isinstance(note.get("key"), str):
            key = note["key"]
    else:
        return None
    if cause is not None and cause not in ALL_CODES:
        return None
    return Recorded(
        cause if isinstance(cause, str) else None,
        hint if isinstance(hint, str) and cause else None,
        key if isinstance(key, str) else None,
    )


def is_api_traffic(exchange: Exchange, credentialed: bool) -> bool:
    """Whether an exchange is worth diagnosing: an inspected host, a key, or an API path."""
    if exchange.provider != COMPATIBLE or credentialed:
        return True
    if "x-authlens-id" in exchange.response_headers:
        return True  # the live proxy inspected it (a token endpoint, a configured host)
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
    post_bytes = post_text.encode("utf-8", "surrogateescape") if post_text else None
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
        model=model_from_body(post_bytes, str(post.get("mimeType", ""))),
        status=status,
        response_headers=response_headers,
        response_body=without_annotation(body),
        stream=stream,
        failure=failure,
        request_body=post_bytes if body is not None else None,
    )


def har_exchanges(har: Any) -> Iterator[Entry]:
    """Every entry of a parsed HAR file, with its position and what authlens recorded."""
    entries = har.get("log", {}).get("entries") if isinstance(har, dict) else None
    if not isinstance(entries, list):
        raise ValueError("not a HAR file: no log.entries")
    for index, entry in enumerate(entries):
        if isinstance(entry, dict):
            exchange = har_exchange(index, entry)
            raw = _content((entry.get("response") or {}).get("content"))
            yield index, exchange, recorded(exchange.response_headers, raw)


def flow_entry(index: int, flow: Any) -> Entry:
    """One stored `http.HTTPFlow` (duck-typed: no mitmproxy import here) as an Entry."""
    request, response = flow.request, flow.response
    meta = flow.metadata.get("authlens") or {}
    response_type = response.headers.get("content-type", "") if response else ""
    stream = bool(meta.get("stream", response_type.startswith("text/event-stream")))
    common: dict[str, Any] = {
        "id": str(meta.get("id") or flow.id),
        "provider": provider_for_host(request.pretty_host),
        "method": request.method,
        "scheme": request.scheme,
        "host": request.pretty_host,
        "path": request.path,
        "request_headers": _lower(request.headers),
        "started": request.timestamp_start,
        "model": meta.get("model")
        or model_from_body(request.raw_content, request.headers.get("content-type", "")),
        "stream": stream,
        "client_request_id_added": bool(meta.get("client_request_id_added", False)),
    }
    if response is None:
        message = flow.error.msg if flow.error else "no response"
        ended = request.timestamp_end or request.timestamp_start
        failure = Failure(classify_failure(FLOW, message), message)
        return index, Exchange(**common, ended=ended, failure=failure), recorded({}, None, meta)
    raw = None
    if response.status_code >= 400 and not stream:
        raw = response.get_content(strict=False)
    headers = _lower(response.headers)
    exchange = Exchange(
        **common,
        ended=response.timestamp_end or response.timestamp_start or request.timestamp_start,
        status=response.status_code,
        response_headers=headers,
        response_body=without_annotation(raw),
        request_body=request.raw_content if raw is not None else None,
    )
    return index, exchange, recorded(headers, raw, meta)


def _lower(headers: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in headers.items()}


def explain_row(
    index: int, ev: Evidence, finding: Finding | None, key: str | None = None
) -> dict[str, Any]:
    """One row of `authlens explain --json` (contract section 8)."""
    ex = ev.exchange
    redactor = Redactor(ev.secrets)  # the one redaction of the row's path and hint
    return {
        "index": index,
        "method": ex.method,
        "url": f"{ex.scheme}://{ex.host}{redactor.path(ex.path)}",
        "status": ex.status,
        "cause": finding.cause if finding else None,
        "hint": redactor.text(finding.hint, partial=True) if finding else None,
        "key": key or ev.key,
    }


def live_finding(live: Recorded) -> Finding | None:
    """The recorded diagnosis as a Finding whose hint says it was recorded live."""
    if live.cause is None:
        return None
    return Finding(live.cause, (live.hint or "") + RECORDED_LIVE, Side.RESPONSE)


def explain(
    entries: Iterable[Entry], history: KeyHistory | None = None, *, everything: bool = False
) -> list[dict[str, Any]]:
    """Diagnose `entries` in order with one key history; a recorded diagnosis wins.

    Traffic that is not API traffic (a page's fonts and scripts in a browser HAR) is left out
    unless `everything`; indexes stay the positions in the file.
    """
    history = history if history is not None else KeyHistory()
    rows = []
    for index, exchange, live in entries:
        ev = gather_evidence(exchange, history)
        if not everything and not is_api_traffic(exchange, bool(ev.credentials)):
            continue
        finding = diagnose(ev) if live is None else live_finding(live)
        record_exchange(history, live.key if live and live.key else ev.key, exchange)
        rows.append(explain_row(index, ev, finding, live.key if live else None))
    return rows
