"""The `authlens_*` mitmproxy options: one list for the addon and for `authlens run`.

`authlens run` checks the options it is given before mitmdump starts (so a misspelt name
stops with one line), and the addon declares them in `load`; both read this list, which
imports no mitmproxy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

# (option, type, help) for every `--set authlens_*`; booleans are text so "unset" differs
# from "false" and the layering (file < environment < option) stays exact.
OPTIONS: tuple[tuple[str, Any, str], ...] = (
    ("config", Optional[str], "Path of a TOML settings file (see config/default.toml)."),  # noqa: UP045
    ("log_file", Optional[str], "Also append the JSON lines to this file."),  # noqa: UP045
    ("log_stdout", Optional[str], "Write the JSON lines to stdout: true or false (default true)."),  # noqa: UP045
    ("hosts", Sequence[str], "Inspected hosts, glob patterns (default: OpenAI and Azure OpenAI)."),
    ("annotate_body", Optional[str], "Write the hint into JSON error bodies: true or false."),  # noqa: UP045
    ("log_all", Optional[str], "Also log traffic to hosts that are not inspected: true or false."),  # noqa: UP045
    (
        "profiles",
        Sequence[str],
        "Extra provider profiles: glob=provider (openai, azure, compatible).",
    ),
    (
        "log_format",
        Optional[str],  # noqa: UP045
        "stdout: auto (a readable line per exchange on a terminal, else JSON), json or pretty.",
    ),
    ("metrics", Optional[str], "host:port to serve Prometheus /metrics on (off by default)."),  # noqa: UP045
)
OPTION_NAMES = tuple(f"authlens_{name}" for name, _, _ in OPTIONS)
LIST_OPTIONS = frozenset(f"authlens_{name}" for name, spec, _ in OPTIONS if spec == Sequence[str])
