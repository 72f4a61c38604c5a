"""`authlens tail [FILE|-]`: follow the JSON log and show one readable line per exchange."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from authlens.causes import ALL_CODES
from authlens.tools.console import error, invoked_as, make_console
from authlens.tools.logfollow import LogFollower
from authlens.tools.logview import LineFilter, LogLine, format_line, layout_line, parse_line

EXAMPLES = """\
examples:
  authlens tail authlens.jsonl                    # last 10 exchanges, then follow
  authlens tail authlens.jsonl --errors           # only failures
  authlens tail authlens.jsonl --cause quoted_key,invalid_api_key --status 4xx
  authlens tail authlens.jsonl --host '*.openai.azure.com' -n 0
  authlens run | authlens tail -                  # straight from the proxy
  docker compose logs -f authlens | authlens tail --errors
  authlens tail authlens.jsonl --errors --json | jq .hint
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "tail",
        help="follow the JSON log, one readable line per exchange",
        description=(
            "Follow the authlens JSON log (a file, or '-' for stdin such as "
            "'docker compose logs -f') and show each exchange on one line: status, cause, "
            "hint, key fingerprint, duration and ids. Keeps following across log rotation "
            "and truncation."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "file", nargs="?", help="the log file, or '-' for stdin (default when piped)"
    )
    parser.add_argument(
        "-n",
        "--lines",
        default=None,
        metavar="N",
        help="show the last N matching lines of the file first, or 'all' "
        "(default: 10 when following, all with --no-follow)",
    )
    parser.add_argument("--no-follow", action="store_true", help="print and exit at the end")
    parser.add_argument("--errors", action="store_true", help="only failed exchanges")
    parser.add_argument(
        "--cause",
        action="append",
        default=[],
        metavar="CODE",
        help="only these causes (repeat or comma-separate)",
    )
    parser.add_argument(
        "--status",
        action="append",
        default=[],
        metavar="CODE",
        help="only these statuses: 401, 4xx, none (repeat or comma-separate)",
    )
    parser.add_argument(
        "--host", action="append", default=[], metavar="GLOB", help="only these hosts"
    )
    parser.add_argument("--json", action="store_true", help="pass the matching JSON lines through")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="the whole hint on a terminal (piped output always has it)",
    )
    parser.add_argument("--interval", type=float, default=0.2, help=argparse.SUPPRESS)
    parser.set_defaults(handler=follow)


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def line_filter(args: argparse.Namespace) -> LineFilter:
    return LineFilter(
        errors=args.errors,
        causes=frozenset(_split(args.cause)),
        statuses=tuple(_split(args.status)),
        hosts=tuple(_split(args.host)),
    )


_STATUS = re.compile(r"[1-5](?:\d\d|xx)|none|null|-", re.IGNORECASE)


def bad_statuses(args: argparse.Namespace) -> list[str]:
    """The `--status` values that can match nothing (`401`, `4xx` and `none` can)."""
    return [value for value in _split(args.status) if not _STATUS.fullmatch(value)]


def unknown_causes(args: argparse.Namespace) -> list[str]:
    """The `--cause` values that are no cause code at all (a typo would match nothing)."""
    return sorted(set(_split(args.cause)) - ALL_CODES)


def make_printer(args: argparse.Namespace, keep: LineFilter) -> Callable[[LogLine], None]:
    """A function that shows one parsed line, or nothing if the filter drops it.

    On a terminal each exchange is laid out to the width with its continuation lines
    indented (first clause of the hint unless -v); piped, it is one line with everything.
    """
    console = make_console()
    terminal = console.is_terminal

    def write(line: LogLine) -> None:
        if not terminal:
            console.print(format_line(line))
            return
        for part in layout_line(line, console.width, full=args.verbose):
            console.print(part, soft_wrap=True)

    def show(line: LogLine) -> None:
        if line.event is None:
            # Not ours (mitmproxy's messages, a banner): shown dimmed only when unfiltered.
            if not args.json and not keep.active and line.text.strip():
                write(line)
            return
        if not keep.matches(line.event):
            return
        if args.json:
            sys.stdout.write(f"{line.json_text}\n")
            sys.stdout.flush()
        else:
            write(line)

    return show


def backlog_size(args: argparse.Namespace) -> int | None:
    """How many existing lines to show first; None means all."""
    if args.lines is None:
        return None if args.no_follow else 10
    if args.lines == "all":
        return None
    return max(0, int(args.lines))


def tail_file(path: Path, args: argparse.Namespace, show: Callable[[LogLine], None]) -> None:
    keep = line_filter(args)
    with LogFollower(path) as follower:
        backlog: deque[LogLine] = deque(maxlen=backlog_size(args))
        for text in follower.poll():
            line = parse_line(text)
            if line.event is None or keep.matches(line.event):
                backlog.append(line)
        for line in backlog:
            show(line)
        while not args.no_follow:
            time.sleep(args.interval)
            for text in follower.poll():
                show(parse_line(text))


def tail_stream(stream: Iterable[str], show: Callable[[LogLine], None]) -> None:
    for text in stream:
        show(parse_line(text))


def follow(args: argparse.Namespace) -> int:
    if args.lines not in (None, "all") and not str(args.lines).isdigit():
        error(f"-n wants a number or 'all', not {args.lines!r}")
        return 2
    if unknown := unknown_causes(args):
        error(
            f"--cause: no such cause code: {', '.join(unknown)}",
            f"valid codes: {', '.join(sorted(ALL_CODES))}",
        )
        return 2
    if bad := bad_statuses(args):
        error(f"--status: not a status: {', '.join(bad)}", "use 401, 4xx or none")
        return 2
    source = args.file or ("-" if not sys.stdin.isatty() else None)
    prog = invoked_as()
    if source is None:
        error(
            "no log to follow: give the log file, or pipe the log in",
            f"{prog} tail authlens.jsonl   or   {prog} run | {prog} tail -",
        )
        return 2
    show = make_printer(args, line_filter(args))
    try:
        if source == "-":
            sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
            tail_stream(sys.stdin, show)
        else:
            path = Path(source)
            if not path.is_file():
                error(
                    f"no log file at {path}",
                    f"start the proxy with '{prog} run --set authlens_log_file={path}', "
                    "or pipe the log in with '-'",
                )
                return 2
            tail_file(path, args, show)
    except KeyboardInterrupt:
        return 130
    return 0
