"""`authlens doctor`: does each runtime of this project really reach the proxy and trust it?"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson
from rich.text import Text

from authlens.tools.console import error, make_console, make_table, print_table
from authlens.tools.runtimes_doctor import Row, diagnose_runtimes
from authlens.tools.runtimes_env import build_plan
from authlens.tools.runtimes_shell import invoked_as
from authlens.tools.trustenv import (
    BUNDLE_FILE,
    CA_FILE,
    add_proxy_arguments,
    default_confdir,
    proxy_host,
    proxy_port,
    system_trust,
    write_bundle,
)

EXAMPLES = """\
examples:
  authlens doctor                       # the runtimes of the project in this directory
  authlens doctor --json | jq '.runtimes[] | select(.reaches_proxy == false)'
  authlens doctor --proxy http://127.0.0.1:9090 --confdir ./mitmproxy-conf

Each installed runtime sends one canary request through the running proxy, with the
environment `authlens env` gives it, to a host the proxy answers itself (nothing leaves this
machine). Runtimes the project uses but that are not installed are listed, not verified.
exit status: 0 when every verified client reached the proxy and trusted it, 1 otherwise,
2 when no proxy is running or it has no CA yet.
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "doctor",
        help="prove, per runtime of this project, that its requests reach the proxy",
        description=(
            "Find the runtimes of the project in the current directory (Python, Node, Java, "
            "Go, PHP, Ruby, curl, wget), send a canary request from each installed one through "
            "the running proxy, and say for each whether it reached the proxy, trusted its CA "
            "and would show the hint, with the fix when not."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help='print {"runtimes": [...]}')
    add_proxy_arguments(parser)
    parser.set_defaults(handler=doctor)


def proxy_listening(proxy: str) -> bool:
    try:
        with socket.create_connection((proxy_host(proxy), proxy_port(proxy)), timeout=3):
            return True
    except OSError:
        return False


def canary_env(confdir: Path, proxy: str) -> dict[str, str]:
    """The current environment plus what `authlens env` would set (its files written)."""
    ca = confdir / CA_FILE
    bundle = confdir / BUNDLE_FILE
    write_bundle(bundle, system_trust(os.environ, exclude=bundle), ca)
    plan = build_plan(
        os.environ,
        proxy=proxy,
        confdir=confdir,
        ca=ca,
        bundle=bundle,
        syntax="bash",
        home=Path.home(),
    )
    return {**os.environ, **{s.name: s.value for s in plan.settings if s.name}}


def yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "NO")


def print_human(rows: list[Row]) -> None:
    console = make_console()
    table = make_table(
        console,
        "runtime",
        "client",
        "version",
        "reaches proxy",
        "trusts CA",
        "hint in error",
        title="authlens doctor",
    )
    for row in rows:
        version = row.version or "not installed"
        reached = row.reaches_proxy
        # Trust and hint are unknown when the request never got to the proxy.
        trust, hint = (row.trusts_ca, row.hint_seen) if reached is not False else (None, None)
        table.add_row(
            row.runtime, row.client, version, yes_no(reached), yes_no(trust), yes_no(hint)
        )
    print_table(console, table)
    noted: set[str] = set()
    for row in rows:
        for note in row.notes:
            if f"{row.runtime}: {note}" not in noted:
                noted.add(f"{row.runtime}: {note}")
                console.print(Text(f"note ({row.runtime}): {note}", style="dim"))
        if row.fix:
            bad = row.verified and not (row.reaches_proxy and row.trusts_ca)
            line = Text("x " if bad else "- ", style="bold red" if bad else "yellow")
            line.append(f"{row.runtime} {row.client}: ", style="bold")
            console.print(line + Text(row.fix))


def doctor(args: argparse.Namespace) -> int:
    prog = invoked_as()
    confdir = (args.confdir or default_confdir()).expanduser().absolute()
    if not (confdir / CA_FILE).is_file():
        error(
            f"no mitmproxy CA in {confdir}: start the proxy once ('{prog} run'), or pass the "
            "--confdir it runs with"
        )
        return 2
    if not proxy_listening(args.proxy):
        error(
            f"no proxy is listening at {args.proxy}: start it with '{prog} run' (and "
            "--proxy if it listens elsewhere), then run doctor again"
        )
        return 2
    env = canary_env(confdir, args.proxy)
    with tempfile.TemporaryDirectory(prefix="authlens-doctor-") as workdir:
        rows = diagnose_runtimes(Path.cwd(), env, Path(workdir), args.proxy, prog)
    if args.json:
        sys.stdout.write(orjson.dumps({"runtimes": [r.to_json() for r in rows]}).decode() + "\n")
    else:
        print_human(rows)
    failed = any(r.verified and not (r.reaches_proxy and r.trusts_ca) for r in rows)
    return 1 if failed else 0
