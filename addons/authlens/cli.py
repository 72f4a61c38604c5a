"""The `authlens` command: a dispatcher over the subcommands in `authlens.commands`.

Errors are for people: a usage mistake is one or two lines naming it and the fix; an
unexpected failure is one line with its type and place (never its message, which may quote
a secret), and `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from authlens import __version__
from authlens.commands import COMMANDS
from authlens.tools.console import quiet_broken_pipe

EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h): our bug, not the user's


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="authlens",
        description="A diagnostic proxy for OpenAI API auth failures (a mitmproxy addon).",
        epilog="Run 'authlens COMMAND --help' for the options and examples of each command.",
    )
    parser.add_argument("--version", action="version", version=f"authlens {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an unexpected error"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]  # accepted anywhere, `run` included
    try:
        return dispatch(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:
        if debug:
            raise
        from authlens.tools.console import error  # rich loads slowly

        error(
            f"unexpected error: {type(e).__name__} at {failure_place(e)}",
            "run the same command with --debug to see the traceback, and report it",
        )
        return EXIT_INTERNAL


def dispatch(args: list[str]) -> int:
    # `run` hands everything after it to mitmdump untouched, except our own help.
    if args[:1] == ["run"]:
        from authlens.commands import run
        from authlens.tools.console import invoked_as
        from authlens.tools.runstart import help_text

        rest = args[1:]
        if "-h" in rest or "--help" in rest:
            sys.stdout.write(help_text(invoked_as()))
            return 0
        if "--mitmdump-help" in rest:
            return mitmdump_help()
        return run.run_mitmdump(rest)
    parsed = build_parser().parse_args(args)
    # Every command ends quietly when the reader of its output leaves early (`| head`).
    return quiet_broken_pipe(lambda: int(parsed.handler(parsed)))


def mitmdump_help() -> int:
    """mitmdump's own help, on stdout, exit 0 (its parser would exit 1 for --help)."""
    from mitmproxy.tools.main import mitmdump

    with contextlib.suppress(SystemExit):
        mitmdump(["--help"])
    return 0


def failure_place(error: BaseException) -> str:
    """`module.py:123` of the innermost frame: where, without the message."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "unknown"


if __name__ == "__main__":
    sys.exit(main())
