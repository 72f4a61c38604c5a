"""The `authlens` command: a dispatcher over the subcommands in `authlens.commands`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from authlens import __version__
from authlens.commands import COMMANDS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="authlens",
        description="A diagnostic proxy for OpenAI API auth failures (a mitmproxy addon).",
        epilog="Run 'authlens COMMAND --help' for the options and examples of each command.",
    )
    parser.add_argument("--version", action="version", version=f"authlens {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # `run` hands everything after it to mitmdump untouched, including its own --help.
    if args[:1] == ["run"]:
        from authlens.commands import run

        return run.run_mitmdump(args[1:])
    parsed = build_parser().parse_args(args)
    return int(parsed.handler(parsed))


if __name__ == "__main__":
    sys.exit(main())
