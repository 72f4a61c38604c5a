"""The cause registry matches the contract and the README, and rules can only emit its codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from authlens import causes
from authlens.exchange import Finding, Side

ROOT = Path(__file__).resolve().parent.parent


def contract_codes() -> set[str]:
    """Codes listed in the tables of section 7 of docs/contract.md."""
    text = (ROOT / "docs" / "contract.md").read_text()
    section = text.split("## 7.", 1)[1].split("## 8.", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", section, re.MULTILINE))


def test_registry_is_the_contract() -> None:
    """Every contract code is registered, and nothing else."""
    assert contract_codes() == causes.ALL_CODES


def test_readme_table_is_generated_from_the_registry() -> None:
    """README.md carries exactly `python -m authlens.causes` between its markers."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- causes:start -->\n", 1)[1].split("<!-- causes:end -->", 1)[0]
    assert block == causes.markdown_table()


def test_unknown_cause_cannot_be_reported() -> None:
    """A rule that invents a code fails loudly in tests instead of reaching users."""
    with pytest.raises(ValueError, match="not a cause code"):
        Finding("made_up", "hint", Side.REQUEST)
