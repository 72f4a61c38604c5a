"""Build the one log event per exchange (contract section 5) from plain data."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Mapping
from typing import Any, Protocol

from authlens.exchange import Exchange, Finding
from authlens.secrets.redactor import PLAIN, Redactor, shown_id

_UA_SDK = re.compile(r"^(Async)?(Azure)?(OpenAI|Anthropic)/(Python|JS) ([\w.+-]{1,40})")
_UA_PRODUCT = re.compile(r"([\w.-]{1,40})/([\w.+-]{1,40})")
# A User-Agent that names the runtime first and the library after it (aiohttp sends
# "Python/3.12 aiohttp/3.14.5"): the library is the client.
_RUNTIMES = frozenset({"python", "java", "ruby", "php", "node", "go"})
_LANG_NAMES = {"python": "python", "js": "node"}


class Reply(Protocol):
    """What the event reads of the upstream's answer (`diagnosis.upstream.UpstreamReply`)."""

    @property
    def request_id(self) -> str | None: ...
    @property
    def answered_by(self) -> str: ...


class Diagnosed(Protocol):
    """What the event reads of an exchange's evidence (`diagnosis.evidence.Evidence`).

    A protocol, so output/ does not import diagnosis/: data flows one way.
    """

    @property
    def exchange(self) -> Exchange: ...
    @property
    def reply(self) -> Reply | None: ...
    @property
    def key(self) -> str | None: ...
    @property
    def secrets(self) -> tuple[str, ...]: ...


def sdk_of(headers: Mapping[str, str]) -> str | None:
    """`openai-python 1.109.1`, `openai-node 5.23.2`, `curl 8.5.0`, ... or None."""
    agent = headers.get("user-agent", "")
    if match := _UA_SDK.match(agent):
        vendor = match.group(3).lower()
        return f"{vendor}-{_LANG_NAMES.get(match.group(4).lower(), 'node')} {match.group(5)}"
    lang = headers.get("x-stainless-lang")
    version = headers.get("x-stainless-package-version")
    if lang and version:
        return f"stainless-{lang[:20]} {version[:40]}"
    products = _UA_PRODUCT.findall(agent[:200])
    if products and products[0][0].lower() in _RUNTIMES and len(products) > 1:
        return f"{products[1][0]} {products[1][1]}"
    if products and agent.startswith(products[0][0]):
        return f"{products[0][0]} {products[0][1]}"
    return agent[:80] or None


def shown_id_header(value: str | None) -> str | None:
    """An OpenAI-Organization / OpenAI-Project value, fingerprinted if a secret was pasted there."""
    return None if value is None else shown_id(value)


def level_of(status: int | None) -> str:
    if status is None or status >= 500:
        return "error"
    return "warning" if status >= 400 else "info"


def rfc3339(epoch: float) -> str:
    millis = int(epoch * 1000) % 1000
    return _utc_second(int(epoch)) + f".{millis:03d}Z"


@functools.lru_cache(maxsize=4)
def _utc_second(second: int) -> str:
    """The formatted second; the exchanges of one second share it (strftime is slow)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


# The fields `build_event` redacts with the redactor it is given (`key` is a fingerprint):
# the log sink does not redact them again (`logsink.REDACTED_FIELD`).
REDACTED_FIELDS = ("path", "hint", "key")


def build_event(
    ev: Diagnosed, finding: Finding | None, redactor: Redactor | None = None
) -> dict[str, Any]:
    """The exchange's log event: every contract field, `None` where unknown, no secret.

    `redactor` is the exchange's (built from `ev.secrets` when not given); the log's last
    processor scrubs every field again.
    """
    ex = ev.exchange
    if redactor is None:
        redactor = Redactor(ev.secrets) if ev.secrets else PLAIN
    headers = ex.request_headers
    return {
        "timestamp": rfc3339(ex.ended),
        "level": level_of(ex.status),
        "event": "exchange",
        "id": ex.id,
        "client_request_id": headers.get("x-client-request-id"),
        "upstream_request_id": ev.reply.request_id if ev.reply else None,
        "method": ex.method,
        "host": ex.host,
        "path": redactor.path(ex.path),
        "status": ex.status,
        "duration_ms": ex.duration_ms,
        "cause": finding.cause if finding else None,
        "hint": redactor.text(finding.hint, partial=True) if finding else None,
        "answered_by": ev.reply.answered_by if ev.reply else None,
        "key": ev.key,
        "organization": shown_id_header(headers.get("openai-organization")),
        "project": shown_id_header(headers.get("openai-project")),
        "model": ex.model,
        "stream": ex.stream,
        "sdk": sdk_of(headers),
        # `authlens.telemetry` adds the peer's name and the trace context where it is emitted.
        "client": ex.peer,
        "trace_id": None,
        "span_id": None,
    }
