"""Before `authlens run` hands over to mitmdump: our help, and a check of our settings.

mitmdump reports an addon's bad option only after two chained tracebacks and after printing
"proxy listening"; checking the same settings first (the `--set authlens_*` options, the
`AUTHLENS_*` variables, the TOML file, the log file) lets a mistake stop startup with one
line naming it and the fix, before anything listens.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from authlens.output.logsink import open_log_file
from authlens.settings import Settings, SettingsError, load_settings

# One example per option the addon declares (a test keeps the two lists in step).
EXAMPLES: tuple[str, ...] = (
    "authlens_config=./authlens.toml",
    "authlens_log_file=authlens.jsonl",
    "authlens_log_stdout=false",
    "authlens_hosts=api.openai.com,llm.internal",
    "authlens_annotate_body=false",
    "authlens_log_all=true",
    "authlens_profiles=llm.internal=openai",
    "authlens_log_format=json            # auto (default), json or pretty",
    "authlens_metrics=127.0.0.1:9464     # Prometheus /metrics (off by default)",
)
_QUIETING = ("-q", "--quiet", "-v", "--verbose")


class RunConfigError(Exception):
    """A setting that stops `authlens run`: `args[0]` what is wrong, `args[1]` the fix."""


def help_text(prog: str) -> str:
    """`authlens run --help`: our usage, options and examples, then where mitmdump's are."""
    options = "\n".join(f"  --set {example}" for example in EXAMPLES)
    lines = [
        (f"{prog} run", "a regular proxy on 127.0.0.1:8080"),
        (f'eval "$({prog} env)"', "then, in your app's terminal"),
        (f"{prog} run -p 9090 --set authlens_log_file=authlens.jsonl", "another port, a log file"),
        (
            f"{prog} run --mode reverse:https://api.openai.com -p 8081",
            "reverse mode, no CA: the app sets OPENAI_BASE_URL=http://127.0.0.1:8081/v1",
        ),
        (f"{prog} run --mode upstream:http://corp-proxy:3128", "behind a corporate proxy"),
        (f"{prog} run | {prog} tail -", "JSON lines on stdout, read by tail"),
        (f"{prog} run -v", "whole hints, ids and mitmproxy's messages"),
    ]
    examples = "\n".join(
        (f"  # {note}\n" if note else "") + f"  {command}" for command, note in lines
    )
    return f"""usage: {prog} run [--debug] [mitmdump options]

Start the authlens proxy: mitmdump with the authlens addon, listening on 127.0.0.1:8080.
On a terminal it prints where it listens, what to run in your app's terminal, and one
readable line per exchange; piped or redirected, stdout is one JSON line per exchange.

authlens options (also AUTHLENS_<NAME> variables, or keys of the TOML file):
{options}

examples:
{examples}

Every other argument goes to mitmdump (-p, --mode, --listen-host, --set NAME=VALUE, ...):
see '{prog} run --mitmdump-help' (mitmdump's own help) and '{prog} run --options'.
--debug shows the traceback of an unexpected error.
"""


def set_options(args: Sequence[str]) -> list[tuple[str, str]]:
    """Every `--set NAME=VALUE` (or `--set=NAME=VALUE`) in mitmdump arguments, in order."""
    found = []
    for index, arg in enumerate(args):
        if arg == "--set" and index + 1 < len(args):
            spec = args[index + 1]
        elif arg.startswith("--set="):
            spec = arg[len("--set=") :]
        else:
            continue
        name, sep, value = spec.partition("=")
        found.append((name.strip(), value if sep else "true"))
    return found


def overrides(
    args: Sequence[str], known: Mapping[str, bool]
) -> tuple[Path | None, dict[str, object]]:
    """The config file and the `authlens_*` values, as the addon will read them.

    `known`: each option's name (without `authlens_`) and whether it is a list.
    """
    config: Path | None = None
    values: dict[str, object] = {}
    for option, value in set_options(args):
        if not option.startswith("authlens_"):
            continue
        name = option[len("authlens_") :]
        if name not in known:
            valid = ", ".join(f"authlens_{n}" for n in known)
            raise RunConfigError(f"unknown option --set {option}", f"valid options: {valid}")
        if name == "config":
            config = Path(value) if value else None
        elif known[name]:
            listed = values.setdefault(name, [])
            assert isinstance(listed, list)
            listed.append(value)
        else:
            values[name] = value
    return config, values


def check_settings(
    args: Sequence[str], known: Mapping[str, bool], default_config: Path
) -> Settings:
    """The settings the proxy will start with; RunConfigError names what is wrong."""
    config, values = overrides(args, known)
    try:
        settings = load_settings(config or default_config, values)
    except SettingsError as e:
        raise RunConfigError(str(e), _fix_for(str(e))) from None
    informational = any(a in ("--options", "--commands", "--version") for a in args)
    if settings.log_file is not None and not informational:
        try:
            os.close(open_log_file(settings.log_file))
        except OSError as e:
            raise RunConfigError(
                f"cannot write the log file {settings.log_file}: {e.strerror}",
                "choose a writable path with --set authlens_log_file=PATH",
            ) from None
    return settings


def _fix_for(message: str) -> str:
    """The fix for a SettingsError, from the source it names."""
    if found := re.search(r"\(environment variable (\w+)\)", message):
        return f"fix or unset the variable {found.group(1)}"
    if "(option " in message:
        return "fix the --set value; the options and their values are in 'run --help'"
    return "fix the file, or point --set authlens_config=PATH at another one"


def quiet_chatter(args: Sequence[str], settings: Settings, stdout_is_terminal: bool) -> bool:
    """Whether mitmproxy's connection messages should be off: the human view is on and the
    user chose no verbosity of their own."""
    human = settings.log_stdout and (
        settings.log_format == "pretty" or (settings.log_format == "auto" and stdout_is_terminal)
    )
    chose = any(a in _QUIETING or "termlog_verbosity" in a for a in args)
    return human and not chose
