"""`authlens run`: our defaults first, every user argument after them (so the user wins)."""

from __future__ import annotations

from pathlib import Path

from authlens.commands.run import ENTRY_SCRIPT, mitmdump_args
from authlens.settings import packaged_default_config


def test_defaults_then_user_args() -> None:
    """Listen on loopback with the packaged config; user arguments come last and win."""
    args = mitmdump_args(["--listen-host", "0.0.0.0", "-p", "9999"])
    assert args[:2] == ["--listen-host", "127.0.0.1"]
    assert f"authlens_config={packaged_default_config()}" in args
    assert args[-4:] == ["--listen-host", "0.0.0.0", "-p", "9999"]


def test_run_passes_the_repository_entry_script() -> None:
    """One entry script: from a clone, `authlens run` hands mitmdump addons/authlens_addon.py."""
    repo_entry = Path(__file__).resolve().parent.parent / "addons" / "authlens_addon.py"
    assert repo_entry == ENTRY_SCRIPT
    args = mitmdump_args([])
    assert args[args.index("-s") + 1] == str(repo_entry)


def test_user_set_options_replace_our_defaults() -> None:
    """mitmproxy rejects an option set twice, so a user's --set replaces our default."""
    args = mitmdump_args(["--set", "authlens_config=/etc/mine.toml", "--set", "flow_detail=2"])
    assert [a for a in args if a.startswith("authlens_config=")] == [
        "authlens_config=/etc/mine.toml"
    ]
    assert [a for a in args if a.startswith("flow_detail=")] == ["flow_detail=2"]
