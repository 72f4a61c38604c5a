"""`authlens check`: lint the client's OpenAI, proxy and CA variables (environment and .env)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.text import Text

from authlens.tools.console import error, make_console, make_table, print_table, quiet_broken_pipe
from authlens.tools.dotenv_bytes import DotenvFile, read_dotenv
from authlens.tools.envlint import EnvFinding, Value, effective, lint, shown
from authlens.tools.probe import ProbeResult, run_probe
from authlens.tools.proxylint import ProxyContext, runtime_context
from authlens.tools.trustenv import CA_FILE, default_confdir

EXAMPLES = """\
examples:
  authlens check                                  # the environment and ./.env
  authlens check --env-file .env --env-file .env.local
  authlens check --json | jq '.findings[].cause'
  authlens check --probe                          # also send GET /v1/models and diagnose it

exit status: 0 when nothing was found, 1 when there are findings, 2 on a usage error.
Keys are only ever shown as fingerprints (sk-proj-...Xy9Z sha256:3f2a9c1b0d4e).
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "check",
        help="lint OPENAI_*, proxy and CA variables (environment and .env)",
        description=(
            "Check OPENAI_API_KEY, OPENAI_ADMIN_KEY, OPENAI_ORG_ID, OPENAI_PROJECT_ID, "
            "OPENAI_BASE_URL, AZURE_OPENAI_*, HTTPS_PROXY/NO_PROXY and the CA variables as the "
            "client will see them: from the environment and from .env files read as bytes "
            "(CRLF, BOM, UTF-16, quotes, trailing blanks). Offline unless --probe."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--env-file", action="append", type=Path, default=None, metavar="PATH",
        help="a .env file to read (repeatable; default: ./.env if it exists)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help='print {"findings": [...]}')
    parser.add_argument(
        "--probe", action="store_true", help="send one GET <base>/models and diagnose the answer"
    )
    parser.add_argument(
        "--confdir", type=Path, default=None,
        help="mitmproxy's confdir, to know its CA (default: ~/.mitmproxy)",
    )  # fmt: skip
    parser.add_argument("--timeout", type=float, default=10.0, help="probe timeout in seconds")
    parser.set_defaults(handler=main)


def env_files(args: argparse.Namespace) -> list[DotenvFile] | None:
    """The .env files to read; None (after a message) when one named explicitly is missing."""
    if args.env_file is None:
        default = Path(".env")
        return [read_dotenv(default)] if default.is_file() else []
    missing = [path for path in args.env_file if not path.exists()]
    if missing:
        error(f"no such .env file: {', '.join(map(str, missing))}")
        return None
    return [read_dotenv(path) for path in args.env_file]


def proxy_context(args: argparse.Namespace) -> ProxyContext:
    ca_path = (args.confdir or default_confdir()).expanduser() / CA_FILE
    try:
        ca_pem = ca_path.read_bytes()
    except OSError:
        ca_pem = None
    return runtime_context(Path.cwd(), ca_pem, ca_path)


def probe_findings(result: ProbeResult) -> list[EnvFinding]:
    if result.finding is None:
        return []
    cause = result.finding.cause
    if cause.startswith("organization") or cause == "no_organization":
        variable = "OPENAI_ORG_ID"
    elif cause.startswith("project"):
        variable = "OPENAI_PROJECT_ID"
    elif cause in ("wrong_base_url", "rejected_by_intermediary", "upstream_unreachable"):
        variable = "OPENAI_BASE_URL"
    elif cause in ("ca_not_trusted", "upstream_tls_failed"):
        variable = "SSL_CERT_FILE"
    else:
        variable = "OPENAI_API_KEY"
    status = result.status if result.status is not None else "no answer"
    return [
        EnvFinding(variable, cause, result.finding.hint, f"probe: GET {result.url} -> {status}")
    ]


def print_human(
    console: Console, values: list[Value], findings: list[EnvFinding], probe: ProbeResult | None
) -> None:
    if values:
        table = make_table(console, "variable", "from", "value", title="Read")
        for value in values:
            table.add_row(value.variable, value.source, shown(value.variable, value.value))
        print_table(console, table)
    else:
        console.print("None of the OpenAI, proxy or CA variables is set (environment, .env).")
    if probe is not None:
        via = f" via {probe.proxy}" if probe.proxy else ""
        status = probe.status if probe.status is not None else "no answer"
        console.print(
            Text(f"probe ({probe.runtime}): GET {probe.url}{via} -> {status}", style="bold")
        )
    for finding in findings:
        line = Text("x ", style="bold red")
        line.append(finding.variable, style="bold")
        line.append(f" ({finding.source}) ", style="dim")
        line.append(finding.cause, style="bold magenta")
        console.print(line)
        console.print(Text(f"  {finding.hint}"))
    if findings:
        console.print(Text(f"{len(findings)} problem(s) found.", style="bold red"))
    else:
        console.print(Text("No problems found.", style="bold green"))


def main(args: argparse.Namespace) -> int:
    return quiet_broken_pipe(lambda: check(args))


def check(args: argparse.Namespace) -> int:
    files = env_files(args)
    if files is None:
        return 2
    values, findings = lint(os.environ, files, proxy_context(args))
    probe = None
    if args.probe:
        probe = run_probe(effective(values), timeout=args.timeout)
        findings += probe_findings(probe)
    if args.json:
        document = {"findings": [f.to_json() for f in findings]}
        sys.stdout.write(orjson.dumps(document).decode() + "\n")
    else:
        print_human(make_console(), values, findings, probe)
    return 1 if findings else 0
