"""The regression set: exchanges built from the error corpus and the key formats.

Each case in `cases.json` is one request (headers with `@@name@@` credentials from
`values.py`), the upstream's answer (status, headers, body) and the cause authlens must name.
`history` entries are earlier successes of a key; `hint_contains` and `answered_by` check the
hint and who answered. Every case must pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from authlens import causes
from authlens.credentials.keys import fingerprint_key
from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.history import KeyHistory, KeySeen
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange
from authlens.providers import provider_for_host
from tests.keyfactory import leaks
from tests.regression.values import VALUES, expand

CASES: list[dict[str, Any]] = json.loads((Path(__file__).parent / "cases.json").read_text())
NOW = 1_750_000_000.0  # 2025-06-15 15:06:40 UTC


def _expanded(value: Any) -> Any:
    """`value` with every string in it expanded (before JSON encoding escapes them)."""
    if isinstance(value, str):
        return expand(value)
    if isinstance(value, dict):
        return {key: _expanded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_expanded(item) for item in value]
    return value


def _body(value: object) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return expand(value).encode()
    return orjson.dumps(_expanded(value))


def build_exchange(case: dict[str, Any]) -> Exchange:
    headers = {name: expand(value) for name, value in case["request_headers"].items()}
    return Exchange(
        id=case["id"],
        provider=provider_for_host(case["host"]),
        method=case["method"],
        scheme="https",
        host=case["host"],
        path=expand(case["path"]),
        request_headers=headers,
        started=NOW - 0.5,
        ended=NOW,
        status=case["status"],
        response_headers=case["response_headers"],
        response_body=_body(case["body"]) if case["status"] >= 400 else None,
        request_body=expand(case["request_body"]).encode() if "request_body" in case else None,
    )


def build_history(case: dict[str, Any]) -> KeyHistory:
    history = KeyHistory()
    for seen in case.get("history", ()):
        history.record_success(
            fingerprint_key(VALUES[seen["key"]]),
            KeySeen(NOW - seen["ago"], seen.get("organization"), seen.get("project")),
        )
    return history


def test_every_request_and_response_cause_has_a_case() -> None:
    """A cause the rules can name from a request or an answer, with no case here, is untested."""
    expected = {case["expect"] for case in CASES}
    assert set(causes.REQUEST) | set(causes.RESPONSE) <= expected


def test_ids_are_unique() -> None:
    """A case's id names it in failures and `-k`: two cases must not share one."""
    ids = [case["id"] for case in CASES]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_regression_case(case: dict[str, Any]) -> None:
    """The exchange is diagnosed with the expected cause, hint and responder."""
    ev = gather_evidence(build_exchange(case), build_history(case))
    finding = diagnose(ev)
    assert (finding.cause if finding else None) == case["expect"], finding
    if "answered_by" in case:
        assert ev.reply is not None
        assert ev.reply.answered_by == case["answered_by"]
    if finding is None:
        return
    for needle in case.get("hint_contains", ()):
        assert needle in finding.hint
    assert finding.hint.isascii()
    assert "\n" not in finding.hint
    for secret in _secrets_sent(case):
        prefix = secret[: len(fingerprint_key(secret).partition("...")[0])]
        assert not leaks(finding.hint, secret, prefix)


# The plain keys of values.py: composite values (quoted, labelled, ...) embed one of them.
_KEYS = (
    "project_key",
    "project_key_2",
    "legacy_key",
    "admin_key",
    "svcacct_key",
    "none_key",
    "anthropic_key",
    "openrouter_key",
    "groq_key",
    "google_key",
    "deepseek_key",
    "azure_key",
    "azure_key_84",
    "mistral_key",
    "session_key",
    "entra_token",
    "random_token",
)


def _secrets_sent(case: dict[str, Any]) -> list[str]:
    """Every key the request carried, alone or inside a composite value."""
    sent = expand(json.dumps([case["request_headers"], case["path"]], ensure_ascii=False))
    return [VALUES[name] for name in _KEYS if VALUES[name] in sent]
