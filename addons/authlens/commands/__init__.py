"""Subcommands of `authlens`; each module has `add_parser(subparsers)` setting `handler`."""

from __future__ import annotations

from types import ModuleType

from authlens.commands import run

COMMANDS: tuple[ModuleType, ...] = (run,)
