"""`authlens run [mitmdump arguments]`: mitmdump with the authlens addon and our defaults.

Defaults (listen on 127.0.0.1:8080, the packaged config, no flow dump) come first so any
argument given by the user wins. mitmproxy's own messages go to stderr, so stdout carries
only our JSON lines.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from authlens.settings import packaged_default_config


def _entry_script() -> Path:
    """addons/authlens_addon.py, installed beside the package as the module `authlens_addon`."""
    spec = importlib.util.find_spec("authlens_addon")  # finds the file, does not run it
    if spec is None or spec.origin is None:
        raise RuntimeError("authlens_addon.py is not installed beside the authlens package")
    return Path(spec.origin)


ENTRY_SCRIPT = _entry_script()


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "run",
        help="start the proxy (any mitmdump argument passes through)",
        description="Start mitmdump with the authlens addon. Every argument passes to mitmdump.",
        epilog=(
            "examples:\n"
            "  authlens run                                   # regular proxy on 127.0.0.1:8080\n"
            "  authlens run -p 9090 --set authlens_log_file=authlens.jsonl\n"
            "  authlens run --mode reverse:https://api.openai.com -p 8081\n"
            "  authlens run --mode upstream:http://corp-proxy:3128"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=lambda args: run_mitmdump([]))


def mitmdump_args(user_args: Sequence[str]) -> list[str]:
    """Our defaults, then the user's arguments.

    `--listen-host` may repeat (the last wins), but mitmproxy rejects an option `--set` twice,
    so a default `--set` is left out when the user sets that option.
    """
    args = ["--listen-host", "127.0.0.1"]
    for option, value in (("flow_detail", "0"), ("authlens_config", packaged_default_config())):
        if not any(a.startswith(f"{option}=") for a in user_args):
            args += ["--set", f"{option}={value}"]
    return [*args, "-s", str(ENTRY_SCRIPT), *user_args]


def run_mitmdump(user_args: Sequence[str]) -> int:
    # mitmproxy's log and flow printers write to sys.stdout as it is when they are created.
    sys.stdout = sys.stderr
    from mitmproxy.tools.main import mitmdump

    return int(mitmdump(mitmdump_args(user_args)) or 0)
