"""Subcommands of `authlens`; each module has `add_parser(subparsers)` setting `handler`."""

from __future__ import annotations

from types import ModuleType

from authlens.commands import check, demo, doctor, env, explain, report, run, tail

COMMANDS: tuple[ModuleType, ...] = (run, explain, check, env, doctor, tail, report, demo)
