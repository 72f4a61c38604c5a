"""What authlens has seen each key do: bounded memory, fingerprints only.

Used for `key_revoked` ("this key worked at 10:42 UTC") and for mismatch hints that name the
organization and project that worked with a key.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


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
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
