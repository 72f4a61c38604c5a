"""The session summary: counts, keys, accounts and the slowest exchanges."""

from __future__ import annotations

from authlens.tools.logreport import summarize
from authlens.tools.logview import parse_line
from tests.logdata import SESSION


def test_whole_report() -> None:
    """Every section of `report --json` for a small session with a non-JSON line."""
    report = summarize((parse_line(text) for text in SESSION), slowest=2).to_json()
    assert report["exchanges"] == 4
    assert report["other_lines"] == 1
    assert (report["first"], report["last"]) == (
        "2026-01-15T08:00:00.000Z",
        "2026-01-15T08:00:03.000Z",
    )
    assert report["by_status"] == {"200": 1, "401": 1, "429": 1, "none": 1}
    assert report["by_cause"] == [
        {"cause": "quoted_key", "count": 1, "hint": "The key is wrapped in quotes [remove them]."},
        {"cause": "upstream_unreachable", "count": 1, "hint": "No answer."},
        {"cause": "rate_limited", "count": 1, "hint": "Slow down."},
    ]
    assert report["keys"][0] == {
        "key": "sk-proj-...abcd sha256:3f2a9c1b0d4e",
        "first_seen": "2026-01-15T08:00:00.000Z",
        "last_seen": "2026-01-15T08:00:03.000Z",
        "exchanges": 2,
        "statuses": {"401": 1, "429": 1},
        "causes": {"quoted_key": 1, "rate_limited": 1},
    }
    assert [k["key"] for k in report["keys"]] == [
        "sk-proj-...abcd sha256:3f2a9c1b0d4e",
        "sk-proj-...wxyz sha256:000000000001",
        "(none)",
    ]
    accounts = {(a["organization"], a["project"]): a["statuses"] for a in report["accounts"]}
    assert accounts == {
        (None, None): {"401": 1, "none": 1},
        ("org-a", "proj_a"): {"200": 1, "429": 1},
    }
    assert [(s["id"], s["duration_ms"]) for s in report["slowest"]] == [
        ("e4", 2500.0),
        ("e2", 900.0),
    ]


def test_empty_input() -> None:
    """No lines: zero everywhere, no crash."""
    report = summarize([]).to_json()
    assert report["exchanges"] == 0
    assert report["slowest"] == []
