"""`authlens run [mitmdump arguments]`: mitmdump with the authlens addon and our defaults.

Defaults (listen on 127.0.0.1:8080, the packaged config, no flow dump) come first so any
argument given by the user wins. mitmproxy's own messages go to stderr, so stdout carries
only our JSON lines. The `authlens_*` options are checked before mitmdump starts, so a bad
value or a misspelt name stops with one line naming it (mitmdump would print a traceback,
and silently ignore an unknown name). What it writes (`-w`, HAR, the log) is created 0600:
those files hold prompts and, before scrubbing, credentials.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from authlens.options import LIST_OPTIONS, OPTION_NAMES
from authlens.settings import packaged_default_config
from authlens.tools.console import error
from authlens.tools.runstart import RunConfigError, check_settings, quiet_chatter


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


def mitmdump_args(user_args: Sequence[str], quiet: bool = False) -> list[str]:
    """Our defaults, then the user's arguments.

    `--listen-host` may repeat (the last wins), but mitmproxy rejects an option `--set` twice,
    so a default `--set` is left out when the user sets that option. `quiet`: mitmproxy's
    connection messages off (the human view on a terminal replaces them).
    """
    args = ["--listen-host", "127.0.0.1"]
    defaults: list[tuple[str, object]] = [
        ("flow_detail", "0"),
        ("authlens_config", packaged_default_config()),
    ]
    if quiet:
        defaults.append(("termlog_verbosity", "warn"))
    for option, value in defaults:
        if not any(a.startswith(f"{option}=") for a in user_args):
            args += ["--set", f"{option}={value}"]
    return [*args, "-s", str(ENTRY_SCRIPT), *user_args]


def output_paths(user_args: Sequence[str]) -> list[Path]:
    """The flow and HAR files mitmdump will write (`-w`, `save_stream_file`, `hardump`)."""
    paths = []
    for i, arg in enumerate(user_args):
        value = user_args[i + 1] if i + 1 < len(user_args) else ""
        if arg in ("-w", "--save-stream-file"):
            paths.append(value)
        elif arg.startswith("--save-stream-file="):
            paths.append(arg.partition("=")[2])
        elif arg == "--set" and value.startswith(("save_stream_file=", "hardump=")):
            paths.append(value.partition("=")[2])
    # "+file" appends; a strftime pattern names files yet to come (mitmproxy creates them).
    return [Path(p.removeprefix("+")).expanduser() for p in paths if p and "%" not in p]


def create_private(paths: Sequence[Path]) -> None:
    """Create the files that do not exist yet as 0600: mitmproxy keeps the mode it finds.

    Not a umask: the CA certificate in mitmproxy's confdir must stay readable by clients.
    """
    for path in paths:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        except OSError:
            continue  # mitmdump reports an unwritable path itself


def run_mitmdump(user_args: Sequence[str]) -> int:
    # Our settings are checked first: a mistake is one line, and nothing claims to listen.
    known = {name.removeprefix("authlens_"): name in LIST_OPTIONS for name in OPTION_NAMES}
    try:
        settings = check_settings(user_args, known, packaged_default_config())
    except RunConfigError as e:
        error(*e.args)
        return 2
    create_private(output_paths(user_args))
    stdout = sys.__stdout__.fileno() if sys.__stdout__ else 1  # what the addon will write to
    quiet = quiet_chatter(user_args, settings, os.isatty(stdout))
    # mitmproxy's log and flow printers write to sys.stdout as it is when they are created.
    sys.stdout = sys.stderr
    from mitmproxy.tools.main import mitmdump

    return int(mitmdump(mitmdump_args(user_args, quiet)) or 0)
