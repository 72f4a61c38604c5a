"""What authlens remembers per client connection, for failures that have no HTTP flow.

mitmproxy reports a refused upstream certificate or an unreachable upstream in a connection
hook (`tls_failed_server`, `server_connect_error`) and then, if a request was waiting, again in
that flow's `error` hook. The connection hook only records the failure here; the flow's hook
takes it, so the failure is logged once with the request it broke. When no flow takes it (in
reverse mode mitmproxy connects upstream before any request), it is logged when the client
leaves. Keyed by mitmproxy's client connection id; pure, no mitmproxy types.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from authlens.diagnosis.client_runtime import ClientFacts

# Client connections alive at once; beyond this the oldest entries are dropped (a client
# that never disconnects must not grow memory).
_MAX_CLIENTS = 10_000


@dataclass(frozen=True, slots=True)
class PendingFailure:
    """A connection-level failure no flow has reported yet."""

    where: str  # failures.CONNECT / SERVER_TLS
    message: str  # mitmproxy's message, not yet redacted
    host: str  # the upstream host it concerned


@dataclass(slots=True)
class ClientSeen:
    """What one client connection showed before it failed."""

    connect: bool = False  # it sent an HTTP CONNECT (regular and upstream modes)
    user_agent: str | None = None  # from that CONNECT: tells the client's runtime
    pending: PendingFailure | None = None
    facts: ClientFacts = field(
        default_factory=ClientFacts
    )  # its CONNECT's header names and ClientHello
    requested: bool = False  # an HTTP request came on this connection


class ConnectionWatch:
    """Per-connection notes, created on first use and dropped on disconnect."""

    def __init__(self, capacity: int = _MAX_CLIENTS) -> None:
        self.capacity = capacity
        self._clients: dict[str, ClientSeen] = {}

    def __len__(self) -> int:
        return len(self._clients)

    def _seen(self, client_id: str) -> ClientSeen:
        seen = self._clients.get(client_id)
        if seen is None:
            while len(self._clients) >= self.capacity:
                del self._clients[next(iter(self._clients))]
            seen = self._clients[client_id] = ClientSeen()
        return seen

    def get(self, client_id: str) -> ClientSeen:
        """The notes on `client_id` (empty ones if there are none); never stores."""
        return self._clients.get(client_id) or ClientSeen()

    def saw_connect(
        self, client_id: str, user_agent: str | None, headers: tuple[str, ...] = ()
    ) -> None:
        seen = self._seen(client_id)
        seen.connect = True
        seen.user_agent = user_agent
        seen.facts = ClientFacts(headers, user_agent)

    def saw_hello(self, client_id: str, alpn: tuple[str, ...], extensions: tuple[int, ...]) -> None:
        seen = self._seen(client_id)
        facts = seen.facts
        seen.facts = ClientFacts(facts.connect_headers, facts.user_agent, alpn, extensions, True)

    def saw_request(self, client_id: str) -> None:
        seen = self._clients.get(client_id)
        if seen is not None:
            seen.requested = True

    def failed(self, client_id: str, where: str, message: str, host: str) -> None:
        """Record a failure; a later one on the same connection replaces it."""
        self._seen(client_id).pending = PendingFailure(where, message, host)

    def take_failure(self, client_id: str) -> PendingFailure | None:
        """The pending failure, now reported by a flow (so never again by `forget`)."""
        seen = self._clients.get(client_id)
        if seen is None or seen.pending is None:
            return None
        pending, seen.pending = seen.pending, None
        return pending

    def forget(self, client_id: str) -> ClientSeen | None:
        """Drop the notes on a client that left; returned so a pending failure can be logged."""
        return self._clients.pop(client_id, None)
