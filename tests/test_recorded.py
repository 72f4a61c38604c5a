"""The live diagnosis kept in stored flows (`proxy/recorded.py`) and read back by `explain`."""

from __future__ import annotations

import orjson
import pytest

from authlens.credentials.keys import fingerprint_key
from authlens.exchange import Finding, Side
from authlens.output.events import build_event
from authlens.proxy.recorded import record_diagnosis
from authlens.secrets.redactor import Redactor
from authlens.tools.offline import RECORDED_LIVE, Recorded, explain, har_exchange, recorded
from tests.keyfactory import leaks, project_key
from tests.replies import evidence

KEY = project_key(51)
FP = fingerprint_key(KEY)


def test_record_keeps_cause_redacted_hint_and_fingerprint() -> None:
    """Plain strings only; a key quoted in the hint is replaced by its fingerprint."""
    state: dict[str, object] = {"id": "x"}
    finding = Finding("quoted_key", f"The key {KEY} is quoted.", Side.REQUEST)
    event = build_event(evidence(key=KEY), finding, Redactor((KEY,)))
    record_diagnosis(state, event)
    assert state["cause"] == "quoted_key"
    assert state["key"] == event["key"]
    assert not leaks(str(state["hint"]), KEY, "sk-proj-")
    orjson.dumps(state)  # flow files store it: plain JSON values


def test_success_is_recorded_as_no_cause() -> None:
    state: dict[str, object] = {}
    record_diagnosis(state, {"cause": None, "hint": None, "key": FP})
    assert (state["cause"], state["hint"], state["key"]) == (None, None, FP)


@pytest.mark.parametrize(
    ("headers", "meta", "expected"),
    [
        ({}, {"cause": "quoted_key", "hint": "h", "key": FP}, Recorded("quoted_key", "h", FP)),
        (
            {"x-authlens-id": "1", "x-authlens-cause": "masked_key", "x-authlens-hint": "h"},
            None,
            Recorded("masked_key", "h", None),
        ),
        ({"x-authlens-id": "1"}, None, Recorded(None, None, None)),
        ({}, None, None),  # not a flow authlens saw: diagnose it
        ({"x-authlens-id": "1", "x-authlens-cause": "made_up"}, None, None),
        ({}, {"id": "x", "model": None}, None),  # state from before 0.2: no diagnosis kept
    ],
)
def test_recorded_from_state_or_headers(
    headers: dict[str, str], meta: dict[str, object] | None, expected: Recorded | None
) -> None:
    """Flow state first, then the HAR's headers; an unknown cause is not trusted."""
    assert recorded(headers, None, meta) == expected


def test_har_body_annotation_gives_the_key() -> None:
    """A HAR keeps `error.authlens.key` in the annotated body."""
    body = orjson.dumps({"error": {"message": "m", "authlens": {"cause": "quoted_key", "key": FP}}})
    headers = {"x-authlens-id": "1", "x-authlens-cause": "quoted_key", "x-authlens-hint": "h"}
    assert recorded(headers, body) == Recorded("quoted_key", "h", FP)


def test_explain_prefers_the_recorded_diagnosis() -> None:
    """A scrubbed key would be diagnosed as invalid_api_key; the recorded cause is given."""
    entry = {
        "startedDateTime": "2025-06-15T10:42:00Z",
        "request": {
            "method": "GET",
            "url": "https://api.openai.com/v1/models",
            "headers": [{"name": "Authorization", "value": f'Bearer "{FP}"'}],
        },
        "response": {
            "status": 401,
            "headers": [{"name": "X-Authlens-Id", "value": "1"}],
            "content": {"text": '{"error": {"message": "Incorrect API key provided"}}'},
        },
    }
    exchange = har_exchange(0, entry)
    live = Recorded("quoted_key", "The key is wrapped in quotes.", FP)
    (row,) = explain([(0, exchange, live)])
    assert row["cause"] == "quoted_key"
    assert row["hint"] == "The key is wrapped in quotes." + RECORDED_LIVE
    assert row["key"] == FP
