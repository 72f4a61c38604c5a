"""W3C Trace Context: the `traceparent` header an app sends, read strictly.

https://www.w3.org/TR/trace-context/#traceparent-header: `version-traceid-parentid-flags`,
lower-case hex, an all-zero trace or parent id invalid, version `ff` invalid; a later
version may append fields after the flags, which are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
TRACE_ID = re.compile(r"[0-9a-f]{32}")
SPAN_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True, slots=True)
class TraceParent:
    """The app's span: the trace it belongs to, its span id and its sampled flag."""

    trace_id: str  # 32 hex digits
    span_id: str  # 16 hex digits
    sampled: bool

    @property
    def trace_id_int(self) -> int:
        return int(self.trace_id, 16)

    @property
    def span_id_int(self) -> int:
        return int(self.span_id, 16)


def parse_traceparent(value: str | None) -> TraceParent | None:
    """The parent a `traceparent` value names, or None when absent or invalid."""
    if not value or len(value) > 512:
        return None
    match = _TRACEPARENT.fullmatch(value.strip())
    if match is None:
        return None
    version, trace_id, span_id, flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest):
        return None
    if trace_id == "0" * 32 or span_id == "0" * 16:
        return None
    return TraceParent(trace_id, span_id, sampled=bool(int(flags, 16) & 1))


def hex_trace_id(value: int) -> str:
    return f"{value:032x}"


def hex_span_id(value: int) -> str:
    return f"{value:016x}"
