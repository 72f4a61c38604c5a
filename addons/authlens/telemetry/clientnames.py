"""Who sent an exchange: the peer address, plus its name where reverse DNS knows it.

On a Docker network the embedded DNS answers a container's address with
`<container>.<network>` (`shop-billing-worker-1.shop_default`); on Kubernetes, a pod behind
a headless service resolves to `<pod>.<service>.<namespace>.svc...`. The first label is the
name shown. Lookups run on two daemon threads, never on mitmproxy's event loop: the first
exchange from a new peer carries the address alone, later ones the name once it resolved.
Answers (names and failures alike) are kept for a bounded time in a bounded cache.
"""

from __future__ import annotations

import queue
import re
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

_MAX_ENTRIES = 4096  # distinct peers remembered; the least recently used go first
_TTL_SECONDS = 300.0  # a pod's address is reused by another pod after it goes
_FAILED_TTL_SECONDS = 60.0
_MAX_PENDING = 64  # lookups waiting at once; beyond this a peer shows its address only
# A PTR answer is data from the network: only a DNS-label alphabet, bounded, is shown.
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?")

Resolver = Callable[[str], str]


def reverse_dns(address: str) -> str:
    """The host name of `address` (blocking): `socket.gethostbyaddr`."""
    return socket.gethostbyaddr(address)[0]


def short_name(host_name: str, address: str) -> str | None:
    """The first DNS label of `host_name`; None when it is only the address again."""
    label = host_name.strip().rstrip(".").split(".", 1)[0]
    if not _LABEL.fullmatch(label) or host_name.strip() == address:
        return None
    return label


def plain_address(peer: str) -> str:
    """An IPv4 peer on a dual-stack socket (`::ffff:172.18.0.5`) as plain IPv4."""
    return peer[7:] if peer.startswith("::ffff:") and "." in peer else peer


class ClientNames:
    """A bounded, expiring cache of peer names, filled in the background."""

    def __init__(
        self,
        resolve: Resolver = reverse_dns,
        *,
        clock: Callable[[], float] = time.monotonic,
        capacity: int = _MAX_ENTRIES,
        workers: int = 2,
    ) -> None:
        self._resolve = resolve
        self._clock = clock
        self.capacity = capacity
        self._names: OrderedDict[str, tuple[str | None, float]] = OrderedDict()
        self._pending: set[str] = set()
        self._lock = threading.Lock()  # the lookup threads store, the event loop reads
        # Daemon threads, not an executor: a lookup stuck in a DNS timeout must not hold up
        # the proxy's exit (an executor's threads are joined at interpreter exit).
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._workers = workers

    def __len__(self) -> int:
        return len(self._names)

    def describe(self, peer: str | None) -> str | None:
        """`"172.18.0.5 billing-worker"`, or the address alone while its name is unknown."""
        if not peer:
            return None
        address = plain_address(peer)
        name = self.cached(address)
        return f"{address} {name}" if name else address

    def cached(self, address: str) -> str | None:
        """The name cached for `address`; starts a lookup when there is none or it expired."""
        with self._lock:
            entry = self._names.get(address)
            if entry is not None and entry[1] > self._clock():
                self._names.move_to_end(address)
                return entry[0]
        self._lookup(address)
        return entry[0] if entry is not None else None  # a stale name beats none

    def _lookup(self, address: str) -> None:
        with self._lock:
            if address in self._pending or len(self._pending) >= _MAX_PENDING:
                return
            self._pending.add(address)
        if not self._threads:
            for n in range(self._workers):
                worker = threading.Thread(target=self._work, name=f"authlens-rdns-{n}", daemon=True)
                worker.start()
                self._threads.append(worker)
        self._queue.put(address)

    def _work(self) -> None:
        while (address := self._queue.get()) is not None:
            try:
                name = short_name(self._resolve(address), address)
            except Exception:  # no PTR record, a timeout: remembered, shorter
                name = None
            self._store(address, name)

    def _store(self, address: str, name: str | None) -> None:
        ttl = _TTL_SECONDS if name else _FAILED_TTL_SECONDS
        with self._lock:
            self._names[address] = (name, self._clock() + ttl)
            self._names.move_to_end(address)
            while len(self._names) > self.capacity:
                self._names.popitem(last=False)
            self._pending.discard(address)

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait (bounded) until no lookup is pending: for tests and shutdown."""
        deadline = time.monotonic() + timeout
        while self._pending and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        """Stop the lookup threads once their current lookup ends (never waits for them)."""
        for _ in self._threads:
            self._queue.put(None)
        self._threads = []
