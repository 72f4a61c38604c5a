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
from rich.text import Text

from authlens.tools.console import (
    error,
    invoked_as,
    make_console,
    make_table,
    print_table,
    printable,
    row,
)
from authlens.tools.offline import Entry, explain, flow_entry, har_exchanges

EXIT_UNREADABLE = 2


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
    parser.set_defaults(handler=explain_file)


def explain_file(args: argparse.Namespace) -> int:
    try:
        rows = explain(read_exchanges(args.file), everything=args.all)
    except JsonLogGiven:
        prog = invoked_as()
        error(
            f"{args.file} is an authlens JSON log, not a HAR or flow file",
            f"summarize it with '{prog} report {args.file}', or read it with "
            f"'{prog} tail {args.file} --no-follow'",
        )
        return EXIT_UNREADABLE
    except (OSError, ValueError) as e:
        error(
            f"cannot read {args.file}: {e}",
            "give a HAR file (browser devtools, --set hardump=) or a flow file (mitmdump -w)",
        )
        return EXIT_UNREADABLE
    rows = [{name: _json_safe(value) for name, value in r.items()} for r in rows]
    if args.json:
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        print_rows(make_console(), rows, args.file)
    return 0


class JsonLogGiven(ValueError):
    """The file is authlens's own JSON log (JSON lines), which `report` and `tail` read."""


def _json_safe(value: object) -> object:
    """Text from a flow may hold undecodable bytes (surrogates): shown as `\\xNN`."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return value


def _is_json_lines(data: bytes) -> bool:
    first = data.lstrip().split(b"\n", 1)[0]
    try:
        value = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and "event" in value and "log" not in value


def read_exchanges(path: Path) -> list[Entry]:
    """The exchanges of a HAR file (JSON) or, failing that, of a mitmproxy flow file."""
    data = path.read_bytes()
    if data.lstrip()[:1] == b"{":
        try:
            har = orjson.loads(data)
        except orjson.JSONDecodeError as e:
            if _is_json_lines(data):
                raise JsonLogGiven(str(path)) from None
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


def print_rows(console: Console, rows: list[dict[str, Any]], path: Path) -> None:
    """The table; on a terminal the key sits under the cause so it fits 80 columns."""
    terminal = console.is_terminal
    columns = ["#", "status", "request", "cause / key" if terminal else "cause", "hint"]
    if not terminal:
        columns.append("key")
    table = make_table(
        console,
        *columns,
        title=f"authlens explain {printable(path.name)}",
        wrap=["request", "hint"],
        words=["cause / key", "key"],
        widest="hint",
    )
    for item in rows:
        status = item["status"] if item["status"] is not None else "-"
        request = f"{item['method']} {item['url']}"
        cause, key = item["cause"] or "", item["key"] or ""
        if terminal:
            table.add_row(
                *row(item["index"], status, request, f"{cause}\n{key}".strip(), item["hint"])
            )
        else:
            table.add_row(*row(item["index"], status, request, cause, item["hint"], key))
    print_table(console, table)
    diagnosed = sum(1 for item in rows if item["cause"])
    console.print(Text(f"{len(rows)} exchanges, {diagnosed} diagnosed."))
