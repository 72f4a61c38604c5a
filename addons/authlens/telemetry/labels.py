"""Bounded label values for metrics and span names: never a key, a path or an id.

The operation comes from the path through a fixed table (OpenTelemetry's GenAI
`gen_ai.operation.name` values where one fits, https://opentelemetry.io/docs/specs/semconv/
registry/attributes/gen-ai/), the provider from the host's profile, hosts are capped in
number. Whatever a client sends, the set of label values stays small.
"""

from __future__ import annotations

import re
import threading

from authlens.providers import AZURE, OPENAI

OTHER = "_OTHER"  # OpenTelemetry's value for "none of the known ones"

# The endpoint's last fixed segments, wherever the path puts them: `/v1/chat/completions`,
# Azure's `/openai/deployments/<name>/chat/completions`, a gateway's `/openai/v1/...`.
_OPERATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"/chat/completions$", "chat"),
        (r"/responses(?:/[^/]+)?$", "chat"),
        (r"/completions$", "text_completion"),
        (r"/embeddings$", "embeddings"),
        (r"/images/(?:generations|edits|variations)$", "image_generation"),
        (r"/audio/(?:speech|transcriptions|translations)$", "audio"),
        (r"/moderations$", "moderation"),
        (r"/realtime(?:/[^/]+)?$", "realtime"),
        (r"/models(?:/[^/]+)?$", "models"),
        (r"/(?:files|uploads|batches|fine_tuning|vector_stores|assistants|threads)(?:/|$)", "data"),
        (r"/organization/", "admin"),
    )
)

_PROVIDER_NAMES = {OPENAI: "openai", AZURE: "azure.ai.openai"}
_MAX_HOSTS = 100  # distinct `host` / `server.address` values; the rest count as _OTHER


def operation_name(path: str | None) -> str:
    """The GenAI operation of a request path (query string ignored), from a fixed set."""
    if not path:
        return OTHER
    bare = path.partition("?")[0].rstrip("/")
    for pattern, name in _OPERATIONS:
        if pattern.search(bare):
            return name
    return OTHER


def provider_name(profile: str) -> str:
    """`gen_ai.provider.name` for a provider profile; a compatible host is `_OTHER`."""
    return _PROVIDER_NAMES.get(profile, OTHER)


def status_class(status: int | None) -> str:
    """`2xx` .. `5xx`, or `none` for a failed connection."""
    if status is None or not 100 <= status <= 599:
        return "none"
    return f"{status // 100}xx"


class BoundedValues:
    """Lets the first `limit` distinct values through; later new ones become `_OTHER`."""

    def __init__(self, limit: int = _MAX_HOSTS) -> None:
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str | None) -> str:
        if not value:
            return ""
        if value in self._seen:
            return value
        with self._lock:
            if len(self._seen) >= self.limit:
                return OTHER
            self._seen.add(value)
        return value
