"""`authlens explain FILE [--json]`: diagnose a HAR file or a mitmproxy flow file offline.

HAR files come from browser devtools ("Save all as HAR") or `mitmdump --set hardump=FILE`;
flow files from `mitmdump -w FILE` (with or without authlens loaded). Exchanges are diagnosed
in file order with the same key history as the proxy. Output is redacted: keys appear only
as fingerprints, URLs without key-like query values.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from authlens.tools.offline import Entry, explain, flow_entry, har_exchanges

EXIT_UNREADABLE = 2
PIPED_WIDTH = 160


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "explain",
        help="diagnose every exchange of a HAR or mitmproxy flow file offline",
        description=(
            "Diagnose the API exchanges of a HAR file (browser devtools, mitmproxy hardump) or "
            "a mitmproxy flow file (mitmdump -w), in file order. 'index' is the position of "
            "the exchange in the file, from 0."
        ),
        epilog=(
            "examples:\n"
            "  authlens explain session.har\n"
            "  authlens explain flows.mitm --json | jq '.[] | select(.cause)'"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, help="a .har file or a mitmproxy flow file")
    parser.add_argument(
        "--json", action="store_true", help="print a JSON array of {index, method, url, ...}"
    )
    parser.add_argument(
        "--all", action="store_true", help="also list traffic that is not API traffic"
    )
    parser.set_defaults(handler=run_explain)


def run_explain(args: argparse.Namespace) -> int:
    try:
        rows = explain(read_exchanges(args.file), everything=args.all)
    except (OSError, ValueError) as e:
        print(f"authlens explain: cannot read {args.file}: {e}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.json:
        print(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
    else:
        print_table(rows, args.file)
    return 0


def read_exchanges(path: Path) -> list[Entry]:
    """The exchanges of a HAR file (JSON) or, failing that, of a mitmproxy flow file."""
    data = path.read_bytes()
    if data.lstrip()[:1] == b"{":
        try:
            har = orjson.loads(data)
        except orjson.JSONDecodeError as e:
            raise ValueError(f"invalid JSON: {e}") from e
        return list(har_exchanges(har))
    return list(flow_exchanges(path))


def flow_exchanges(path: Path) -> Iterator[Entry]:
    """HTTP flows of a mitmproxy flow file, with their position in the file."""
    # mitmproxy loads slowly; only flow files need it.
    from mitmproxy import exceptions, http, io

    with path.open("rb") as f:
        try:
            for index, flow in enumerate(io.FlowReader(f).stream()):
                if isinstance(flow, http.HTTPFlow):
                    yield flow_entry(index, flow)
        except exceptions.FlowReadException as e:
            raise ValueError(f"not a HAR or mitmproxy flow file ({e})") from e


def print_table(rows: list[dict[str, Any]], path: Path) -> None:
    table = Table(title=f"authlens explain {path.name}", show_lines=True)
    table.add_column("#", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("request", overflow="fold", ratio=2)
    table.add_column("cause", no_wrap=True)
    table.add_column("hint", overflow="fold", ratio=4)
    table.add_column("key", overflow="fold", ratio=1)
    for row in rows:
        cells = (
            str(row["index"]),
            str(row["status"]) if row["status"] is not None else "-",
            f"{row['method']} {row['url']}",
            row["cause"] or "",
            row["hint"] or "",
            row["key"] or "",
        )
        table.add_row(*(Text(cell) for cell in cells))  # Text: hints hold "[...]", not markup
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = PIPED_WIDTH  # a file or a pager: do not squeeze hints into 80 columns
    console.print(table)
    diagnosed = sum(1 for row in rows if row["cause"])
    console.print(Text(f"{len(rows)} exchanges, {diagnosed} diagnosed."))
