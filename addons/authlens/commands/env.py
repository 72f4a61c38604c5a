"""`authlens env`: the lines that send every runtime through the proxy and trust its CA."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from rich.text import Text

from authlens.tools.console import error, make_console, wants_color
from authlens.tools.runtimes_env import build_plan, undo_lines
from authlens.tools.runtimes_shell import detect_shell, invoked_as
from authlens.tools.trustenv import (
    BUNDLE_FILE,
    CA_FILE,
    SHELLS,
    add_proxy_arguments,
    apply_hint,
    client_settings,
    default_confdir,
    proxy_port,
    render,
    reverse_base_url,
    system_trust,
    write_bundle,
)

EXAMPLES = """\
examples:
  eval "$(authlens env)"                          # bash / zsh: this shell now uses the proxy
  authlens env | source                           # fish
  authlens env --shell powershell | Out-String | Invoke-Expression
  eval "$(authlens env --unset)"                  # undo it (restores what was there)
  authlens env --proxy http://127.0.0.1:9090 --confdir ./mitmproxy-conf
  authlens env --shell dotenv > authlens.env      # python-dotenv / node --env-file, this machine

The shell is the one running authlens (not $SHELL); --shell overrides it. The dotenv lines
hold this machine's paths and 127.0.0.1: they are not for containers (docker-compose.yml has
the proxy service and a shared CA volume for that).

It writes, under the confdir: authlens-ca-bundle.pem (the system roots plus the mitmproxy CA,
because SSL_CERT_FILE, REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE replace the trust store), a Java
truststore, a wgetrc and a PHP ini directory (when those runtimes are installed). What cannot
be reached through variables (an old Node) is said on stderr. Reverse mode needs no CA at all.
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "env",
        help="print the proxy and CA settings for every runtime (Python, Node, Java, Go, ...)",
        description=(
            "Print the environment variables that send a client's HTTPS through authlens and "
            "make it trust the mitmproxy CA: Python, Node, Java, Go, PHP, Ruby, curl and wget."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--shell",
        choices=SHELLS,
        default=None,
        help="syntax of the lines (default: the shell running authlens, else $SHELL, else bash)",
    )
    add_proxy_arguments(parser)
    parser.add_argument(
        "--bundle",
        type=Path,
        default=None,
        help=f"where to write the combined CA bundle (default: <confdir>/{BUNDLE_FILE})",
    )
    parser.add_argument(
        "--unset", action="store_true", help="print the lines that undo `authlens env`"
    )
    parser.set_defaults(handler=main)


def missing_ca_message(confdir: Path, proxy: str, prog: str = "authlens") -> str:
    port = proxy_port(proxy)
    return (
        f"no mitmproxy CA in {confdir} yet ({CA_FILE}): mitmproxy creates it the first time it "
        f"starts. Run '{prog} run -p {port}' once, then '{prog} env' again. Or use reverse "
        f"mode, which needs no CA: '{prog} run --mode reverse:https://api.openai.com -p {port}' "
        f"with OPENAI_BASE_URL={reverse_base_url(port)}"
    )


def write(lines: str) -> None:
    if wants_color(sys.stdout):
        console = make_console()
        for line in lines.splitlines():
            console.print(Text(line, style="dim" if line.startswith("#") else ""))
    else:
        sys.stdout.write(lines)


def main(args: argparse.Namespace) -> int:
    prog = invoked_as()
    shell = args.shell or detect_shell(os.environ)
    confdir = (args.confdir or default_confdir()).expanduser().absolute()
    if args.unset:
        if shell == "dotenv":
            error("--unset prints shell lines: pick --shell bash, zsh, fish or powershell")
            return 2
        write(undo_lines(os.environ, shell, _names_env_sets(confdir, args.proxy)))
        return 0
    ca = confdir / CA_FILE
    if not ca.is_file():
        error(missing_ca_message(confdir, args.proxy, prog))
        return 1
    bundle = (args.bundle or confdir / BUNDLE_FILE).expanduser().absolute()
    base = system_trust(os.environ, exclude=bundle)
    try:
        write_bundle(bundle, base, ca)
        plan = build_plan(
            os.environ,
            proxy=args.proxy,
            confdir=confdir,
            ca=ca,
            bundle=bundle,
            syntax=shell,
            home=Path.home(),
            prog=prog,
        )
    except OSError as e:
        error(f"cannot write under {confdir}: {e.strerror} ({e.filename})")
        return 1
    write(render(shell, plan.settings))
    stderr = make_console(stderr=True)
    if shell == "dotenv":
        stderr.print(
            "authlens: these lines name this machine's files and 127.0.0.1: not for containers. "
            "Node reads a .env only after startup: NODE_USE_ENV_PROXY and NODE_EXTRA_CA_CERTS "
            "must be in the environment node starts with."
        )
    for note in plan.notes:
        stderr.print(f"authlens: {note}", highlight=False)
    roots = f"the roots of {base}" if base else "no system roots (none found)"
    stderr.print(
        f"authlens: wrote {bundle} ({roots} plus the mitmproxy CA). Load these lines with: "
        f"{apply_hint(shell, prog)}; check each runtime with: {prog} doctor",
        highlight=False,
    )
    return 0


def _names_env_sets(confdir: Path, proxy: str) -> list[str]:
    """Every variable `env` may set: what --unset removes when nothing was saved."""
    bundle = confdir / BUNDLE_FILE
    names = [s.name for s in client_settings(proxy, bundle, bundle) if s.name]
    return [*names, "JAVA_TOOL_OPTIONS", "WGETRC", "PHP_INI_SCAN_DIR"]
