"""The JSON log sink: one scrubbed line per event, to every destination."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from authlens.output.logsink import make_logger, scrub_secrets
from tests.keyfactory import leaks, project_key

KEY = project_key(5)


def test_one_line_per_event_in_the_file(tmp_path: Path) -> None:
    """Each call appends exactly one JSON line, readable at once (no buffering)."""
    path = tmp_path / "logs" / "a.jsonl"
    logger = make_logger(stdout=False, log_file=path)
    logger.info(event="exchange", id="1", status=200)
    assert json.loads(path.read_text()) == {"event": "exchange", "id": "1", "status": 200}
    logger.warning(event="exchange", id="2", status=401)
    assert len(path.read_text().splitlines()) == 2


def test_last_processor_scrubs_everything(tmp_path: Path) -> None:
    """A secret that slipped into any field never reaches the line."""
    path = tmp_path / "a.jsonl"
    make_logger(stdout=False, log_file=path).error(
        event="internal_error", error=f"failed on Bearer {KEY}", extra=[KEY], where=Path("/x")
    )
    assert not leaks(path.read_text(), KEY, "sk-proj-")


def test_scrub_keeps_numbers_and_nulls() -> None:
    """Only strings (and unknown objects) are touched."""
    event = {"status": 401, "duration_ms": 1.5, "stream": False, "cause": None}
    assert scrub_secrets(None, "info", dict(event)) == event


def test_concurrent_writers_never_interleave(tmp_path: Path) -> None:
    """Lines written from many threads stay whole."""
    path = tmp_path / "a.jsonl"
    logger = make_logger(stdout=False, log_file=path)

    def write(n: int) -> None:
        for i in range(200):
            logger.info(event="exchange", writer=n, i=i, pad="x" * 2000)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 1600
