"""`authlens report FILE`: a summary of a debugging session from the JSON log."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from authlens.tools.console import error, make_console, make_table, print_table, quiet_broken_pipe
from authlens.tools.logreport import Report, summarize
from authlens.tools.logview import LogLine, duration, parse_line

EXAMPLES = """\
examples:
  authlens report authlens.jsonl
  authlens report authlens.jsonl --json | jq '.by_cause'
  docker compose logs authlens | authlens report -
  authlens report authlens.jsonl --slowest 3
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "report",
        help="summarize a JSON log: statuses, causes, keys, accounts, slowest",
        description=(
            "Summarize an authlens JSON log after a debugging session: counts by status and "
            "cause, each key fingerprint (first and last seen, statuses), each organization "
            "and project, and the slowest exchanges."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help="the log file, or '-' for stdin")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument(
        "--slowest", type=int, default=10, metavar="N", help="how many slow exchanges (10)"
    )
    parser.set_defaults(handler=main)


def read_lines(source: str) -> Iterator[LogLine]:
    if source == "-":
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
        for text in sys.stdin:
            yield parse_line(text)
        return
    with Path(source).open("r", encoding="utf-8", errors="replace") as handle:
        for text in handle:
            yield parse_line(text)


def counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name} x{count}" for name, count in sorted(counter.items()))


def print_report(console: Console, report: Report) -> None:
    console.print(
        f"{report.exchanges} exchanges from {report.first or '-'} to {report.last or '-'}"
        + (f" ({report.other_lines} other lines skipped)" if report.other_lines else "")
    )
    statuses = make_table(console, "status", "count", title="By status")
    for status, count in sorted(report.by_status.items()):
        statuses.add_row(status, str(count))
    print_table(console, statuses)
    if report.by_cause:
        causes = make_table(console, "cause", "count", "last hint", title="By cause")
        for cause, count in report.by_cause.most_common():
            causes.add_row(cause, str(count), report.last_hint.get(cause, ""))
        print_table(console, causes)
    keys = make_table(
        console, "key", "exchanges", "first seen", "last seen", "statuses", "causes", title="By key"
    )
    for key, usage in report.keys.items():
        keys.add_row(
            key, str(usage.exchanges), usage.first_seen, usage.last_seen,
            counts(usage.statuses), counts(usage.causes),
        )  # fmt: skip
    print_table(console, keys)
    accounts = make_table(
        console, "organization", "project", "exchanges", "statuses", "causes",
        title="By organization and project",
    )  # fmt: skip
    for (org, project), usage in report.accounts.items():
        accounts.add_row(
            org or "-", project or "-", str(usage.exchanges),
            counts(usage.statuses), counts(usage.causes),
        )  # fmt: skip
    print_table(console, accounts)
    print_clients(console, report)
    print_slowest(console, report)


def print_clients(console: Console, report: Report) -> None:
    """Which service sends which key, and how its exchanges fail."""
    clients = make_table(
        console, "client", "exchanges", "keys", "first seen", "last seen", "causes",
        title="By client",
    )  # fmt: skip
    for address, entry in report.clients.items():
        clients.add_row(
            f"{address} {entry.name}" if entry.name else address, str(entry.usage.exchanges),
            counts(entry.keys), entry.usage.first_seen, entry.usage.last_seen,
            counts(entry.usage.causes),
        )  # fmt: skip
    print_table(console, clients)


def print_slowest(console: Console, report: Report) -> None:
    slow = make_table(
        console, "duration", "status", "request", "cause", "time", "id", title="Slowest exchanges"
    )
    for event in report.slowest:
        status = event.get("status")
        slow.add_row(
            duration(event.get("duration_ms")),
            str(status) if status is not None else "none",
            f"{event.get('method')} {event.get('host')}{event.get('path')}",
            str(event.get("cause") or ""),
            str(event.get("timestamp") or ""),
            str(event.get("id") or ""),
        )
    print_table(console, slow)


def main(args: argparse.Namespace) -> int:
    return quiet_broken_pipe(lambda: report_file(args))


def report_file(args: argparse.Namespace) -> int:
    if args.file != "-" and not Path(args.file).is_file():
        error(
            f"no log file at {args.file} (the proxy writes one with --set authlens_log_file=PATH)"
        )
        return 2
    try:
        report = summarize(read_lines(args.file), slowest=max(0, args.slowest))
    except OSError as e:
        error(f"cannot read {args.file}: {e.strerror}")
        return 2
    if args.json:
        sys.stdout.write(orjson.dumps(report.to_json()).decode() + "\n")
        return 0
    console = make_console()
    if report.exchanges == 0:
        console.print(f"No exchanges in {args.file} ({report.other_lines} other lines).")
        return 0
    print_report(console, report)
    return 0
