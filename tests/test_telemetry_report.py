"""The `client` field in `report` (section "By client") and `tail`.

The question a team asks: which service sends the revoked key, and since when.
"""

from __future__ import annotations

import io

from rich.console import Console

from authlens.commands.report import print_clients
from authlens.tools.logreport import summarize
from authlens.tools.logview import format_exchange, parse_line
from tests.logdata import OK, line

REVOKED_KEY = "sk-proj-...r3v0 sha256:aaaaaaaaaaaa"
OTHER_KEY = "sk-proj-...g00d sha256:bbbbbbbbbbbb"

LOG = [
    # billing-worker's first line carries its address alone (its name was still resolving).
    line(id="b1", timestamp="2026-01-15T08:00:00.000Z", client="172.18.0.5", key=REVOKED_KEY, **OK),
    line(
        id="b2",
        timestamp="2026-01-15T09:00:00.000Z",
        client="172.18.0.5 billing-worker",
        key=REVOKED_KEY,
        cause="key_revoked",
        hint="Revoked.",
    ),
    line(
        id="b3",
        timestamp="2026-01-15T09:05:00.000Z",
        client="172.18.0.5 billing-worker",
        key=REVOKED_KEY,
        cause="key_revoked",
        hint="Revoked.",
    ),
    line(
        id="s1",
        timestamp="2026-01-15T08:30:00.000Z",
        client="172.18.0.7 search-api",
        key=OTHER_KEY,
        **OK,
    ),
    line(id="x1", timestamp="2026-01-15T08:40:00.000Z", client=None, key=OTHER_KEY, **OK),
]


def test_report_by_client_json() -> None:
    """Per address: the name once seen, keys used, first/last seen, statuses and causes."""
    report = summarize(parse_line(text) for text in LOG)
    clients = {entry["client"]: entry for entry in report.to_json()["clients"]}
    assert clients["172.18.0.5"] == {
        "client": "172.18.0.5",
        "name": "billing-worker",
        "keys": {REVOKED_KEY: 3},
        "first_seen": "2026-01-15T08:00:00.000Z",
        "last_seen": "2026-01-15T09:05:00.000Z",
        "exchanges": 3,
        "statuses": {"200": 1, "401": 2},
        "causes": {"key_revoked": 2},
    }
    assert clients["172.18.0.7"]["name"] == "search-api"
    assert clients["172.18.0.7"]["keys"] == {OTHER_KEY: 1}
    assert clients["(unknown)"]["exchanges"] == 1  # a line from before 0.2


def test_report_by_client_table() -> None:
    """The table names the service with its key and its cause."""
    out = io.StringIO()
    console = Console(file=out, width=250, no_color=True)
    print_clients(console, summarize(parse_line(text) for text in LOG))
    text = out.getvalue()
    assert "By client" in text
    (row,) = [r for r in text.splitlines() if "billing-worker" in r]
    assert "172.18.0.5 billing-worker" in row
    assert f"{REVOKED_KEY} x3" in row and "key_revoked x2" in row


def test_tail_shows_the_client() -> None:
    shown = format_exchange(parse_line(LOG[1]).event or {}).plain
    assert "client=172.18.0.5 billing-worker" in shown
