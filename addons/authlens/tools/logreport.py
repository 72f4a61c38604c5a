"""A summary of a debugging session from the JSON log: what `authlens report` shows.

Counts by status and cause, each key fingerprint's first and last use with its statuses,
each organization/project pair, and the slowest exchanges. Only exchange events count; the
number of other lines (non-JSON, internal errors) is kept so nothing is silently dropped.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from authlens.tools.logview import LogLine

NO_STATUS = "none"  # a failed connection: no response at all


def _text(value: object) -> str | None:
    """A field as text: a log written by something else may hold any JSON value there."""
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode() if isinstance(value, (dict, list)) else str(value)


def status_label(status: object) -> str:
    return str(status) if isinstance(status, int) else NO_STATUS


@dataclass(slots=True)
class Usage:
    """How one key (or one organization/project pair) was used."""

    first_seen: str
    last_seen: str
    exchanges: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    causes: Counter[str] = field(default_factory=Counter)

    def add(self, event: Mapping[str, Any]) -> None:
        stamp = str(event.get("timestamp") or "")
        self.first_seen = min(self.first_seen, stamp) if self.first_seen else stamp
        self.last_seen = max(self.last_seen, stamp)
        self.exchanges += 1
        self.statuses[status_label(event.get("status"))] += 1
        if cause := event.get("cause"):
            self.causes[str(cause)] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "first_seen": self.first_seen or None,
            "last_seen": self.last_seen or None,
            "exchanges": self.exchanges,
            "statuses": dict(sorted(self.statuses.items())),
            "causes": dict(self.causes.most_common()),
        }


@dataclass(slots=True)
class ClientUsage:
    """What one client (peer address) sent: under which name, with which keys, and how it went.

    The first line from a new peer may carry the address alone (its name resolves in the
    background), so clients are told apart by address and the name is kept once seen.
    """

    name: str | None
    usage: Usage
    keys: Counter[str] = field(default_factory=Counter)

    def to_json(self, address: str) -> dict[str, Any]:
        return {
            "client": address,
            "name": self.name,
            "keys": dict(self.keys.most_common()),
            **self.usage.to_json(),
        }


def add_client(clients: dict[str, ClientUsage], event: Mapping[str, Any]) -> None:
    """Count `event` for its client (`"172.18.0.5 billing-worker"` or the address alone)."""
    address, _, name = str(event.get("client") or "(unknown)").partition(" ")
    stamp = str(event.get("timestamp") or "")
    entry = clients.get(address)
    if entry is None:
        entry = clients[address] = ClientUsage(name or None, Usage(stamp, stamp))
    entry.name = name or entry.name
    entry.usage.add(event)
    entry.keys[str(event.get("key") or "(none)")] += 1


@dataclass(slots=True)
class Report:
    """Everything `authlens report` prints; `to_json()` is its `--json` shape."""

    slowest_count: int = 10
    exchanges: int = 0
    other_lines: int = 0
    first: str | None = None
    last: str | None = None
    by_status: Counter[str] = field(default_factory=Counter)
    by_cause: Counter[str] = field(default_factory=Counter)
    last_hint: dict[str, str] = field(default_factory=dict)
    keys: dict[str, Usage] = field(default_factory=dict)
    accounts: dict[tuple[str | None, str | None], Usage] = field(default_factory=dict)
    clients: dict[str, ClientUsage] = field(default_factory=dict)
    _slowest: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)

    def add(self, event: Mapping[str, Any]) -> None:
        self.exchanges += 1
        stamp = _text(event.get("timestamp") or None)
        if stamp:
            self.first = min(self.first or stamp, stamp)
            self.last = max(self.last or stamp, stamp)
        self.by_status[status_label(event.get("status"))] += 1
        if cause := event.get("cause"):
            self.by_cause[str(cause)] += 1
            if hint := event.get("hint"):
                self.last_hint[str(cause)] = str(hint)
        key = _text(event.get("key")) or "(none)"
        self.keys.setdefault(key, Usage(stamp or "", stamp or "")).add(event)
        account = (_text(event.get("organization")), _text(event.get("project")))
        self.accounts.setdefault(account, Usage(stamp or "", stamp or "")).add(event)
        add_client(self.clients, event)
        self._keep_if_slow(event)

    def _keep_if_slow(self, event: Mapping[str, Any]) -> None:
        took = event.get("duration_ms")
        if not isinstance(took, (int, float)):
            return
        item = (float(took), self.exchanges, dict(event))
        if len(self._slowest) < self.slowest_count:
            heapq.heappush(self._slowest, item)
        elif item[:2] > self._slowest[0][:2]:
            heapq.heapreplace(self._slowest, item)

    @property
    def slowest(self) -> list[dict[str, Any]]:
        ordered = sorted(self._slowest, key=lambda item: (-item[0], item[1]))
        return [event for _, _, event in ordered]

    def to_json(self) -> dict[str, Any]:
        slow_fields = (
            "timestamp",
            "id",
            "method",
            "host",
            "path",
            "status",
            "cause",
            "duration_ms",
            "key",
            "upstream_request_id",
        )
        return {
            "exchanges": self.exchanges,
            "other_lines": self.other_lines,
            "first": self.first,
            "last": self.last,
            "by_status": dict(sorted(self.by_status.items())),
            "by_cause": [
                {"cause": cause, "count": count, "hint": self.last_hint.get(cause)}
                for cause, count in self.by_cause.most_common()
            ],
            "keys": [{"key": key, **usage.to_json()} for key, usage in self.keys.items()],
            "accounts": [
                {"organization": org, "project": project, **usage.to_json()}
                for (org, project), usage in self.accounts.items()
            ],
            "clients": [usage.to_json(address) for address, usage in self.clients.items()],
            "slowest": [{name: e.get(name) for name in slow_fields} for e in self.slowest],
        }


def summarize(lines: Iterable[LogLine], slowest: int = 10) -> Report:
    """The report over `lines` (exchange events count; every other line is tallied)."""
    report = Report(slowest_count=slowest)
    for line in lines:
        if line.event is not None and line.event.get("event") == "exchange":
            report.add(line.event)
        elif line.text.strip():
            report.other_lines += 1
    return report
