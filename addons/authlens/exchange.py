"""Plain data for one proxied exchange, as the core sees it: no mitmproxy types here.

The addon turns a flow into an `Exchange`; everything after that (diagnosis, annotation,
the log event) is a pure function of it. Header names are lower-case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from authlens.causes import ALL_CODES


class Side(StrEnum):
    """Where a finding comes from; decides precedence (contract section 7)."""

    REQUEST = "request"
    RESPONSE = "response"
    CONNECTION = "connection"


@dataclass(frozen=True, slots=True)
class Finding:
    """One possible root cause with its hint.

    `explains` lists upstream codes this request-side finding accounts for, so it outranks
    them (an admin key on chat completions explains "Missing scopes").
    """

    cause: str
    hint: str
    side: Side
    explains: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.cause not in ALL_CODES:
            raise ValueError(f"{self.cause!r} is not a cause code of the contract")


@dataclass(frozen=True, slots=True)
class Failure:
    """A connection-level failure: the exchange did not complete (no answer, or a cut one)."""

    # One of `diagnosis.failures.KINDS`: upstream_unreachable, upstream_tls_failed,
    # client_tls_failed, upstream_disconnected, client_disconnected, killed, proxy_shutdown.
    kind: str
    detail: str  # mitmproxy's message, already free of secrets
    runtime: str | None = None  # client_tls_failed: the client's runtime, guessed at TLS time
    ca_dir: str | None = None  # client_tls_failed: the running proxy's confdir (its CA)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its response (or failure), reduced to what the core needs."""

    id: str
    provider: str  # profile of the inspected host: "openai", "azure", "compatible"
    method: str
    scheme: str
    host: str
    path: str  # with the query string, as sent
    request_headers: Mapping[str, str] = field(hash=False)
    started: float  # epoch seconds
    ended: float
    model: str | None = None
    status: int | None = None
    response_headers: Mapping[str, str] = field(default_factory=dict, hash=False)
    # Decoded body of a non-streamed error response (status >= 400); None otherwise.
    response_body: bytes | None = None
    stream: bool = False
    failure: Failure | None = None
    # Set when authlens added X-Client-Request-Id itself (the client sent none).
    client_request_id_added: bool = False
    # Body of the request of a failed exchange (status >= 400), for rules that read what was
    # posted (a token exchange's form); None otherwise. It may hold a secret: never output.
    request_body: bytes | None = field(default=None, repr=False)
    # The client's address as the proxy saw it (the `client` log field starts from it).
    peer: str | None = None
    # In reverse mode, the proxy's own URL as the client reached it (`http://127.0.0.1:8080`):
    # the base URL hints must name, since the upstream's own would bypass authlens.
    proxy_url: str | None = None

    @property
    def duration_ms(self) -> float:
        return round((self.ended - self.started) * 1000, 2)
