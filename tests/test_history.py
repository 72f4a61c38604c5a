"""Key history: last success per fingerprint, bounded, recorded from exchanges."""

from __future__ import annotations

import pytest

from authlens.diagnosis.history import KeyHistory, KeySeen, record_exchange
from tests.replies import NOW, exchange


def test_lru_evicts_the_least_recently_recorded() -> None:
    """Beyond capacity the oldest key is dropped; re-recording refreshes a key."""
    history = KeyHistory(capacity=2)
    history.record_success("a", KeySeen(1, None, None))
    history.record_success("b", KeySeen(2, None, None))
    history.record_success("a", KeySeen(3, None, None))
    history.record_success("c", KeySeen(4, None, None))
    assert len(history) == 2
    assert history.get("b") is None
    assert history.get("a") == KeySeen(3, None, None)


def test_capacity_can_shrink() -> None:
    """Lowering the capacity (a new configuration) takes effect on the next record."""
    history = KeyHistory(capacity=5)
    for i in range(5):
        history.record_success(str(i), KeySeen(i, None, None))
    history.capacity = 2
    history.record_success("x", KeySeen(9, None, None))
    assert len(history) == 2


@pytest.mark.parametrize(
    ("status", "key", "recorded"),
    [
        (200, "k", True),
        (201, "k", True),
        (299, "k", True),
        (302, "k", False),
        (401, "k", False),
        (200, None, False),
    ],
)
def test_only_successes_with_a_key_are_recorded(
    status: int, key: str | None, recorded: bool
) -> None:
    """2xx exchanges with a key are remembered; failures and keyless ones are not."""
    history = KeyHistory()
    assert record_exchange(history, key, exchange(status=status)) is recorded
    assert (history.get("k") is not None) is recorded


def test_record_keeps_what_the_upstream_reported() -> None:
    """The organization and project come from the response headers, the time from its end."""
    history = KeyHistory()
    headers = {"openai-organization": "acme", "openai-project": "proj_1"}
    record_exchange(history, "k", exchange(status=200, response_headers=headers))
    assert history.get("k") == KeySeen(NOW, "acme", "proj_1")
