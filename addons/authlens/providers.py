"""Which hosts authlens inspects, and the provider profile of each.

A profile says how a provider expects credentials and how its answers look; a host with no
known profile is treated as OpenAI-compatible (contract section 2).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable

OPENAI = "openai"
AZURE = "azure"
COMPATIBLE = "compatible"

_PROFILES: tuple[tuple[str, str], ...] = (
    ("api.openai.com", OPENAI),
    ("*.openai.azure.com", AZURE),
    ("*.cognitiveservices.azure.com", AZURE),
    ("*.services.ai.azure.com", AZURE),
)
_PROFILE_PATTERNS = tuple((re.compile(fnmatch.translate(g)), p) for g, p in _PROFILES)


def provider_for_host(host: str) -> str:
    """The profile name for `host`: "openai", "azure" or "compatible"."""
    host = host.lower().rstrip(".")
    for pattern, provider in _PROFILE_PATTERNS:
        if pattern.match(host):
            return provider
    return COMPATIBLE


class HostMatcher:
    """Glob patterns compiled once into one regex; matching is case-insensitive."""

    def __init__(self, globs: Iterable[str]) -> None:
        self.globs = tuple(g.lower() for g in globs)
        joined = "|".join(fnmatch.translate(g) for g in self.globs) or r"(?!)"
        self._regex = re.compile(joined)

    def __call__(self, host: str) -> bool:
        return self._regex.match(host.lower().rstrip(".")) is not None
