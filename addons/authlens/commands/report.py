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
from rich.text import Text

from authlens.output.human import duration
from authlens.tools.console import (
    error,
    invoked_as,
    make_console,
    make_table,
    print_table,
    printable,
    row,
)
from authlens.tools.logreport import Report, Usage, summarize
from authlens.tools.logview import LogLine, parse_line

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
    parser.set_defaults(handler=report_file)


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


def seen(usage: Usage, terminal: bool) -> str:
    """First and last use; on a terminal one above the other, so the table fits 80 columns."""
    return f"{usage.first_seen}{chr(10) if terminal else ' - '}{usage.last_seen}"


def print_report(console: Console, report: Report) -> None:
    terminal = console.is_terminal
    console.print(
        Text(
            printable(
                f"{report.exchanges} exchanges from {report.first or '-'} to {report.last or '-'}"
                + (f" ({report.other_lines} other lines skipped)" if report.other_lines else "")
            )
        )
    )
    statuses = make_table(console, "status", "count", title="By status")
    for status, count in sorted(report.by_status.items()):
        statuses.add_row(*row(status, count))
    print_table(console, statuses)
    if report.by_cause:
        causes = make_table(
            console, "cause", "count", "last hint", title="By cause", wrap=["last hint"]
        )
        for cause, count in report.by_cause.most_common():
            causes.add_row(*row(cause, count, report.last_hint.get(cause, "")))
        print_table(console, causes)
    keys = make_table(
        console,
        "key",
        "n",
        "first / last seen",
        "statuses",
        "causes",
        title="By key",
        words=["key", "statuses", "causes"],
    )
    for key, usage in report.keys.items():
        keys.add_row(
            *row(
                key,
                usage.exchanges,
                seen(usage, terminal),
                counts(usage.statuses),
                counts(usage.causes),
            )
        )
    print_table(console, keys)
    accounts = make_table(
        console,
        "organization / project",
        "n",
        "statuses",
        "causes",
        title="By organization and project",
        words=["organization / project", "statuses", "causes"],
    )
    for (org, project), usage in report.accounts.items():
        pair = f"{org or '-'}{chr(10) if terminal else ' / '}{project or '-'}"
        accounts.add_row(*row(pair, usage.exchanges, counts(usage.statuses), counts(usage.causes)))
    print_table(console, accounts)
    print_clients(console, report)
    print_slowest(console, report)


def print_clients(console: Console, report: Report) -> None:
    """Which service sends which key, and how its exchanges fail."""
    clients = make_table(
        console,
        "client",
        "exchanges",
        "keys",
        "first seen",
        "last seen",
        "causes",
        title="By client",
    )
    for address, entry in report.clients.items():
        clients.add_row(
            f"{address} {entry.name}" if entry.name else address,
            str(entry.usage.exchanges),
            counts(entry.keys),
            entry.usage.first_seen,
            entry.usage.last_seen,
            counts(entry.usage.causes),
        )
    print_table(console, clients)


def print_slowest(console: Console, report: Report) -> None:
    sep = "\n" if console.is_terminal else " "
    slow = make_table(
        console,
        "duration",
        "status",
        "request",
        "time / id / cause",
        title="Slowest exchanges",
        wrap=["request"],
    )
    for event in report.slowest:
        status = event.get("status")
        when = [event.get("timestamp") or "", event.get("id") or "", event.get("cause") or ""]
        slow.add_row(
            *row(
                duration(event.get("duration_ms")),
                status if isinstance(status, int) else "none",
                f"{event.get('method')} {event.get('host')}{event.get('path')}",
                sep.join(str(part) for part in when if part),
            )
        )
    print_table(console, slow)


def report_file(args: argparse.Namespace) -> int:
    if args.file != "-" and not Path(args.file).is_file():
        error(
            f"no log file at {args.file}",
            f"the proxy writes one with '{invoked_as()} run --set authlens_log_file={args.file}'",
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
        console.print(
            Text(printable(f"No exchanges in {args.file} ({report.other_lines} other lines)."))
        )
        return 0
    print_report(console, report)
    return 0
