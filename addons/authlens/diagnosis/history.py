"""What authlens has seen each key do: bounded memory, fingerprints only.

Used for `key_revoked` ("this key worked at 10:42 UTC") and for mismatch hints that name the
organization and project that worked with a key. The proxy records every exchange as it
ends; `authlens explain` records them in file order, so both give the same answers.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from authlens.exchange import Exchange


@dataclass(frozen=True, slots=True)
class KeySeen:
    """The last success of one key through this proxy."""

    last_ok: float  # epoch seconds
    organization: str | None  # as reported by the upstream (openai-organization header)
    project: str | None  # as reported by the upstream (openai-project header)


class KeyHistory:
    """An LRU map from key fingerprint to its last success."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._seen: OrderedDict[str, KeySeen] = OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    def get(self, fingerprint: str) -> KeySeen | None:
        return self._seen.get(fingerprint)

    def record_success(self, fingerprint: str, seen: KeySeen) -> None:
        self._seen[fingerprint] = seen
        self._seen.move_to_end(fingerprint)
        while len(self._seen) > max(self.capacity, 0):
            self._seen.popitem(last=False)


def record_exchange(history: KeyHistory, key: str | None, exchange: Exchange) -> bool:
    """Remember `key` if `exchange` succeeded (2xx); True when something was recorded.

    The organization and project are the ones the upstream reports, not the ones sent: a
    key without an OpenAI-Organization header still shows which organization it belongs to.
    """
    status = exchange.status
    if key is None or status is None or not 200 <= status < 300:
        return False
    headers = exchange.response_headers
    seen = KeySeen(
        exchange.ended, headers.get("openai-organization"), headers.get("openai-project")
    )
    history.record_success(key, seen)
    return True
