"""The JSON log sink: one scrubbed line per event, to every destination."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from authlens.output import logwriter
from authlens.output.logsink import (
    SECRETS_FIELD,
    LineFanout,
    make_logger,
    open_log,
    render_json,
    scrub_secrets,
)
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


def test_exchange_secrets_are_redacted_once_in_the_last_processor() -> None:
    """Secrets handed over under SECRETS_FIELD are redacted everywhere, and not rendered."""
    secret = "Zq8-unknown-shape-credential-77"
    event = {"event": "exchange", "organization": f"x {secret}", SECRETS_FIELD: (secret,)}
    scrubbed = scrub_secrets(None, "info", event)
    assert SECRETS_FIELD not in scrubbed
    assert secret not in scrubbed["organization"]
    assert "sha256:" in scrubbed["organization"]


def test_repeated_values_are_scrubbed_alike() -> None:
    """A value scrubbed from the cache is the same as the first time."""
    first = scrub_secrets(None, "info", {"hint": f"bad key {KEY}"})
    again = scrub_secrets(None, "info", {"hint": f"bad key {KEY}"})
    assert first == again
    assert not leaks(str(again), KEY, "sk-proj-")


def test_writer_thread_writes_every_line_once_in_order(tmp_path: Path) -> None:
    """With the writer thread (the running proxy), the file gets each line once, in order."""
    path = tmp_path / "a.jsonl"
    log = open_log(stdout=False, log_file=path)
    log.fanout.start_writer()
    assert log.fanout.writer is not None and log.fanout.direct == ()
    for i in range(500):
        log.logger.info(event="exchange", i=i)
    log.fanout.drain()
    assert [json.loads(line)["i"] for line in path.read_text().splitlines()] == list(range(500))
    log.fanout.close()
    log.logger.info(event="exchange", i=500)  # after close: written directly
    assert len(path.read_text().splitlines()) == 501


def test_a_full_pipe_does_not_block_the_caller() -> None:
    """Nobody reads the pipe (a stalled `authlens tail`): writes return, lines wait whole."""
    read_end, write_end = os.pipe()
    fanout = LineFanout([(write_end, "pipe")])
    fanout.start_writer()
    line = b'{"pad":"' + b"x" * 2000 + b'"}\n'
    for _ in range(200):  # 400 KB, several times what a pipe holds
        fanout.write(line)
    received = b""
    with os.fdopen(read_end, "rb") as reader:
        while len(received) < 200 * len(line):
            received += reader.read1(65536)
        fanout.close()
    os.close(write_end)
    assert received == line * 200


def test_terminals_and_dev_null_are_written_directly() -> None:
    """Character devices never stall for long: written directly, no thread."""
    fd = os.open(os.devnull, os.O_WRONLY)
    fanout = LineFanout([(fd, os.devnull)])
    fanout.start_writer()
    assert fanout.writer is None and fanout.direct == fanout.destinations
    os.close(fd)


def test_lines_beyond_the_queue_bound_are_dropped_and_reported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """A destination stalled past the bound costs lines, never memory or the proxy's time."""
    monkeypatch.setattr(logwriter, "_QUEUED_LINES", 0)
    fd = os.open(tmp_path / "a.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    fanout = LineFanout([(fd, "a.jsonl")])
    fanout.start_writer()
    for _ in range(3):
        fanout.write(b"{}\n")
    fanout.close()
    os.close(fd)
    assert (tmp_path / "a.jsonl").read_bytes() == b""
    assert capfd.readouterr().err.count("cannot write the JSON log to a.jsonl") == 1


def test_stdout_stays_in_the_callers_thread_and_ahead_of_the_file(tmp_path: Path) -> None:
    """stdout is shared with mitmdump's own output: written directly, before the queued file."""
    first, second = tmp_path / "stdout.jsonl", tmp_path / "file.jsonl"
    fds = [os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND) for p in (first, second)]
    fanout = LineFanout([(fds[0], "stdout"), (fds[1], "file")], shared=(fds[0],))
    fanout.start_writer()
    assert fanout.direct == ((fds[0], "stdout"),)
    for i in range(300):
        fanout.write(b'{"i":%d}\n' % i)
        assert first.read_bytes().endswith(b'{"i":%d}\n' % i)  # there at once
        assert len(second.read_bytes()) <= len(first.read_bytes())
    fanout.close()
    lines = b"".join(b'{"i":%d}\n' % i for i in range(300))
    assert first.read_bytes() == second.read_bytes() == lines
    for fd in fds:
        os.close(fd)


def test_a_value_orjson_refuses_costs_the_value_not_the_line() -> None:
    """structlog's JSONRenderer with orjson: an int past 64 bits is shown as text, a value of
    another type as [REDACTED]; the line is still one JSON object with every field."""
    line = render_json(None, "msg", {"event": "exchange", "big": 1 << 70, "odd": {1, 2}})
    assert json.loads(line) == {"event": "exchange", "big": str(1 << 70), "odd": "[REDACTED]"}
