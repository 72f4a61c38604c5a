"""`authlens env`: the lines that point Python, Node and curl at the proxy and trust its CA."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from rich.text import Text

from authlens.tools.console import error, make_console, wants_color
from authlens.tools.trustenv import (
    BUNDLE_FILE,
    CA_FILE,
    SHELLS,
    apply_hint,
    client_settings,
    default_confdir,
    default_shell,
    proxy_port,
    render,
    reverse_base_url,
    system_trust,
    write_bundle,
)

EXAMPLES = """\
examples:
  eval "$(authlens env)"                          # bash / zsh: this shell now uses the proxy
  authlens env --shell fish | source
  authlens env --shell powershell | Out-String | Invoke-Expression
  authlens env --shell dotenv >> .env             # for docker compose / python-dotenv
  authlens env --proxy http://127.0.0.1:9090 --confdir ./mitmproxy-conf

It writes <confdir>/authlens-ca-bundle.pem: the system roots plus the mitmproxy CA, because
SSL_CERT_FILE, REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE replace the trust store (other HTTPS
must keep working). Reverse mode (shown at the end) needs no CA at all.
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "env",
        help="print the proxy and CA settings for Python, Node and curl",
        description=(
            "Print the environment variables that send a client's HTTPS through authlens and "
            "make it trust the mitmproxy CA: Python (requests, httpx/openai), Node and curl."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--shell", choices=SHELLS, default=None,
        help="syntax of the lines (default: from $SHELL, else bash)",
    )  # fmt: skip
    parser.add_argument(
        "--proxy", default="http://127.0.0.1:8080", help="the proxy URL (http://127.0.0.1:8080)"
    )
    parser.add_argument(
        "--confdir", type=Path, default=None,
        help="mitmproxy's confdir, where its CA lives (default: ~/.mitmproxy)",
    )  # fmt: skip
    parser.add_argument(
        "--bundle", type=Path, default=None,
        help=f"where to write the combined CA bundle (default: <confdir>/{BUNDLE_FILE})",
    )  # fmt: skip
    parser.set_defaults(handler=main)


def missing_ca_message(confdir: Path, proxy: str) -> str:
    port = proxy_port(proxy)
    return (
        f"no mitmproxy CA in {confdir} yet ({CA_FILE}): mitmproxy creates it the first time it "
        f"starts. Run 'authlens run -p {port}' once, then 'authlens env' again. Or use reverse "
        f"mode, which needs no CA: 'authlens run --mode reverse:https://api.openai.com -p {port}' "
        f"with OPENAI_BASE_URL={reverse_base_url(port)}"
    )


def main(args: argparse.Namespace) -> int:
    confdir = (args.confdir or default_confdir()).expanduser()
    ca = confdir / CA_FILE
    if not ca.is_file():
        error(missing_ca_message(confdir, args.proxy))
        return 1
    bundle = (args.bundle or confdir / BUNDLE_FILE).expanduser().absolute()
    base = system_trust(os.environ, exclude=bundle)
    try:
        write_bundle(bundle, base, ca)
    except OSError as e:
        error(f"cannot write the CA bundle {bundle}: {e.strerror}")
        return 1
    shell = args.shell or default_shell(os.environ)
    lines = render(shell, client_settings(args.proxy, bundle, ca.absolute(), shell))
    if wants_color(sys.stdout):
        console = make_console()
        for line in lines.splitlines():
            console.print(Text(line, style="dim" if line.startswith("#") else ""))
    else:
        sys.stdout.write(lines)
    roots = f"the roots of {base}" if base else "no system roots (none found)"
    make_console(stderr=True).print(
        f"authlens: wrote {bundle} ({roots} plus the mitmproxy CA). Load these lines with: "
        f"{apply_hint(shell)}"
    )
    return 0
