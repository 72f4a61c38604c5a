"""The real-report set: exchanges rebuilt from public issue threads (`real_reports.json`).

Every case must be diagnosed with its expected cause and a hint naming `hint_must_mention`,
except those in KNOWN_MISSES. A known miss that starts passing fails too, so the list stays
honest. Keys are generated at test time (`real_keys.py`); the seed is in every failure message.
Score and per-case results: `PYTHONPATH=addons python -m tests.regression.score_real_reports`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from authlens.causes import ALL_CODES
from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.rules import diagnose
from tests.keyfactory import leaks
from tests.regression.real_keys import KINDS, KeyMaker
from tests.regression.score_real_reports import (
    SET_PATH,
    build_exchange,
    load_cases,
    run_case,
    score,
    score_line,
)

CASES = load_cases()
KEYS = KeyMaker()

# ---------------------------------------------------------------------------------------------
# KNOWN_MISSES: cases the core still gets wrong, each with why (id -> reason). Empty since the
# 0.2 branches were merged: all 65 pass. A case added here must still fail (the test below).
# ---------------------------------------------------------------------------------------------
KNOWN_MISSES: dict[str, str] = {}


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["id"] for case in cases]


def test_cases_are_well_formed() -> None:
    """Unique ids, a thread URL, a contract code, and only templates where keys go."""
    ids = _ids(CASES)
    assert len(set(ids)) == len(ids)
    for case in CASES:
        assert case["source"].startswith("https://"), case["id"]
        assert case["expected_cause"] in ALL_CODES, case["id"]
        assert 1 <= len(case["hint_must_mention"]) <= 3, case["id"]
        for value in case["request"]["headers"].values():
            if isinstance(value, dict) and "kind" in value["key"]:
                assert value["key"]["kind"] in KINDS, case["id"]
    assert set(KNOWN_MISSES) <= set(ids), "KNOWN_MISSES names a case that does not exist"


def test_no_key_shaped_literal_is_stored() -> None:
    """Keys are generated at test time: the file holds no OpenAI marker and no long sk- run."""
    text = SET_PATH.read_text(encoding="utf-8")
    assert ("T3Blbk" + "FJ") not in text
    assert not re.search(r"sk-[A-Za-z0-9_-]{30,}", text)  # OpenAI, relay, Anthropic, ...
    assert not re.search(r"\beyJ[A-Za-z0-9_-]{20,}", text)  # a JWT
    assert not re.search(r"(?<![\w-])[0-9a-f]{32}(?![\w-])", text)  # an Azure resource key


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_real_report(case: dict[str, Any]) -> None:
    """The expected cause and hint, or (for a known miss) still the miss it is listed for."""
    result = run_case(case, KEYS)
    seed = f"(REAL_REPORTS_SEED={KEYS.seed})"
    if case["id"] in KNOWN_MISSES:
        assert not result.ok, (
            f"{case['id']} now passes: remove it from KNOWN_MISSES {seed}; "
            f"it was listed because: {KNOWN_MISSES[case['id']]}"
        )
        return
    assert result.ok, f"{result.why()}; hint: {result.hint!r} {seed}"


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_hint_never_carries_the_key(case: dict[str, Any]) -> None:
    """Whatever the cause, no 8 characters of a generated credential reach the hint."""
    keys = KeyMaker(KEYS.seed)
    finding = diagnose(gather_evidence(build_exchange(case, keys)))
    hint = finding.hint if finding else ""
    assert hint.isascii() and "\n" not in hint
    for prefix, secret in keys.generated:
        assert not leaks(hint, secret, prefix), f"{case['id']} (REAL_REPORTS_SEED={keys.seed})"


def test_score_line(capsys: pytest.CaptureFixture[str]) -> None:
    """Prints the score so CI logs show it; the known misses are exactly the failing cases."""
    results = score(CASES, KeyMaker(KEYS.seed))
    with capsys.disabled():
        print("\n" + score_line(results, KEYS.seed))
    assert {r.id for r in results if not r.ok} == set(KNOWN_MISSES)
