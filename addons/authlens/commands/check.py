"""`authlens check`: lint the client's OpenAI, proxy and CA variables (environment and .env)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from authlens.secrets.redactor import redact_text
from authlens.tools.console import (
    error,
    make_console,
    make_table,
    print_table,
    printable,
    row,
)
from authlens.tools.dotenv_bytes import DotenvFile, read_dotenv
from authlens.tools.envlint import (
    ORG_VARIABLES,
    PROJECT_VARIABLES,
    EnvFinding,
    Value,
    effective,
    is_secret,
    lint,
    shown,
)
from authlens.tools.probe import ProbeResult, run_probe
from authlens.tools.proxylint import ProxyContext, runtime_context
from authlens.tools.trustenv import CA_FILE, add_proxy_arguments, default_confdir

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
        "--env-file",
        action="append",
        type=Path,
        default=None,
        metavar="PATH",
        help="a .env file to read (repeatable; default: ./.env if it exists)",
    )
    parser.add_argument("--json", action="store_true", help='print {"findings": [...]}')
    parser.add_argument(
        "--probe", action="store_true", help="send one GET <base>/models and diagnose the answer"
    )
    add_proxy_arguments(parser, proxy=False)
    parser.add_argument("--timeout", type=float, default=10.0, help="probe timeout in seconds")
    parser.set_defaults(handler=check)


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
    elif cause in (
        "wrong_base_url",
        "wrong_regional_host",
        "rejected_by_intermediary",
        "upstream_unreachable",
    ):
        variable = "OPENAI_BASE_URL"
    elif cause in ("ca_not_trusted", "upstream_tls_failed"):
        variable = "SSL_CERT_FILE"
    else:
        variable = "OPENAI_API_KEY"
    status = result.status if result.status is not None else "no answer"
    return [
        EnvFinding(variable, cause, result.finding.hint, f"probe: GET {result.url} -> {status}")
    ]


_USERINFO = re.compile(r"[^\s/@'\"=,;]+@(?=[^\s/@]*[A-Za-z0-9\]])")
_QUERY_VALUE = re.compile(r"([?&;][^=&\s#?;]+=)[^&\s#;'\"]+")
_ACCOUNT_ID = re.compile(r"(?:org|proj|user)[-_][A-Za-z0-9]+")


class Scrub:
    """What `check` may print: each value and hint without the secrets the variables hold.

    Keys become fingerprints (as anywhere in authlens); so does a key pasted into another
    variable (OPENAI_ORG_ID, OPENAI_PROJECT_ID) when it is not an id; URL user info
    (`user:password@`) and query values (`?api-key=...`) are removed wherever they appear,
    in values and in hints that quote them.
    """

    def __init__(self, values: list[Value]) -> None:
        secrets: set[str] = set()
        for value in values:
            texts = {value.value, value.value.strip(), value.raw.strip()}
            if is_secret(value.variable):
                secrets |= texts
            elif value.variable in ORG_VARIABLES + PROJECT_VARIABLES:
                secrets |= {t for t in texts if not _ACCOUNT_ID.fullmatch(t) and " " not in t}
        self.secrets = tuple(sorted((s for s in secrets if s), key=len, reverse=True))

    def __call__(self, text: str) -> str:
        text = _QUERY_VALUE.sub(r"\1[REDACTED]", _USERINFO.sub("****@", text))
        return redact_text(text, self.secrets)

    def value(self, value: Value) -> str:
        return self(shown(value.variable, value.value))

    def finding(self, finding: EnvFinding) -> EnvFinding:
        return EnvFinding(
            self(finding.variable), finding.cause, self(finding.hint), self(finding.source)
        )


def print_human(
    console: Console,
    values: list[Value],
    findings: list[EnvFinding],
    probe: ProbeResult | None,
    scrub: Scrub,
) -> None:
    if values:
        table = make_table(
            console, "variable", "from", "value", title="Read", wrap=["value"], words=["from"]
        )
        for value in values:
            table.add_row(*row(value.variable, scrub(value.source), scrub.value(value)))
        print_table(console, table)
    else:
        console.print("None of the OpenAI, proxy or CA variables is set (environment, .env).")
    if probe is not None:
        via = f" via {probe.proxy}" if probe.proxy else ""
        status = probe.status if probe.status is not None else "no answer"
        said = scrub(f"probe ({probe.runtime}): GET {probe.url}{via} -> {status}")
        console.print(Text(printable(said), style="bold"))
    for finding in map(scrub.finding, findings):
        line = Text("x ", style="bold red")
        line.append(printable(finding.variable), style="bold")
        line.append(f" ({printable(finding.source)}) ", style="dim")
        line.append(finding.cause, style="bold magenta")
        console.print(line)
        console.print(Padding(Text(printable(finding.hint)), (0, 0, 0, 2), expand=False))
    if findings:
        console.print(Text(f"{len(findings)} problem(s) found.", style="bold red"))
    else:
        console.print(Text("No problems found.", style="bold green"))


def check(args: argparse.Namespace) -> int:
    files = env_files(args)
    if files is None:
        return 2
    try:
        values, findings = lint(os.environ, files, proxy_context(args))
    except ValueError as e:  # urllib refuses some malformed URLs (a stray "[" in the host)
        error(
            f"a URL variable cannot be parsed ({type(e).__name__})",
            "check OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT and the *_PROXY variables",
        )
        return 2
    probe = None
    if args.probe:
        probe = run_probe(effective(values), timeout=args.timeout)
        findings += probe_findings(probe)
    scrub = Scrub(values)
    if args.json:
        document = {"findings": [scrub.finding(f).to_json() for f in findings]}
        sys.stdout.write(orjson.dumps(document).decode() + "\n")
    else:
        print_human(make_console(), values, findings, probe, scrub)
    return 1 if findings else 0
