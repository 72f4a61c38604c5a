"""Which hosts authlens inspects, and the provider profile of each.

A profile says how a provider expects credentials and how its answers look; a host with no
known profile is treated as OpenAI-compatible (contract section 2). The built-in profiles
and the default hosts come from `authlens.registry`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping

from authlens.registry import DEFAULT_HOSTS
from authlens.registry import PROVIDERS as _REGISTRY

OPENAI = "openai"
AZURE = "azure"
COMPATIBLE = "compatible"

PROVIDERS = (OPENAI, AZURE, COMPATIBLE)

__all__ = ["AZURE", "COMPATIBLE", "DEFAULT_HOSTS", "OPENAI", "HostMatcher", "Profiles"]

# Hosts judged as OpenAI or Azure; every other host is "compatible".
_BUILT_IN: tuple[tuple[str, str], ...] = tuple(
    (glob, p.profile) for p in _REGISTRY.values() if p.profile != COMPATIBLE for glob in p.hosts
)


class Profiles:
    """Host globs mapped to provider profiles: the configured ones first, then the built-in.

    A configured profile lets a gateway or a reverse-mode target on another name (a local
    stand-in, a corporate relay) be judged as OpenAI or Azure.
    """

    def __init__(self, configured: Mapping[str, str] | None = None) -> None:
        pairs = [*(configured or {}).items(), *_BUILT_IN]
        self._patterns = tuple((re.compile(fnmatch.translate(g.lower())), p) for g, p in pairs)

    def __call__(self, host: str) -> str:
        """The profile name for `host`: "openai", "azure" or "compatible"."""
        host = host.lower().rstrip(".")
        for pattern, provider in self._patterns:
            if pattern.match(host):
                return provider
        return COMPATIBLE


provider_for_host = Profiles()


class HostMatcher:
    """Glob patterns compiled once into one regex; matching is case-insensitive."""

    def __init__(self, globs: Iterable[str]) -> None:
        self.globs = tuple(g.lower() for g in globs)
        joined = "|".join(fnmatch.translate(g) for g in self.globs) or r"(?!)"
        self._regex = re.compile(joined)

    def __call__(self, host: str) -> bool:
        return self._regex.match(host.lower().rstrip(".")) is not None
