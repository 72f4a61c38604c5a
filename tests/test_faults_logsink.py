"""The JSON log under faults: full disks, closed pipes, unwritable paths, many writers."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from authlens.output.logsink import LineFanout, make_logger
from tests.harness import ConnectRelay, ProxyFactory, our_tracebacks, upstream_args, wait_for

FULL_DISK = Path("/dev/full")  # every write fails with ENOSPC, as on a full disk
WRITE_FAILED = "authlens: cannot write the JSON log to"


def test_write_error_is_reported_once_and_not_raised(capfd: pytest.CaptureFixture[str]) -> None:
    """A full disk costs the lines, not the proxy: one message on stderr, no exception."""
    logger = make_logger(stdout=False, log_file=FULL_DISK)
    for n in range(5):
        logger.warning(event="exchange", id=str(n))
    err = capfd.readouterr().err
    assert err.count(WRITE_FAILED) == 1
    assert "/dev/full" in err
    assert "No space left on device" in err


def test_a_failing_destination_does_not_stop_the_others(tmp_path: Path) -> None:
    """Lines still reach the destinations that work."""
    good = os.open(tmp_path / "good.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    full = os.open(FULL_DISK, os.O_WRONLY)
    fanout = LineFanout([(full, "/dev/full"), (good, "good.jsonl")])
    assert fanout.write(b'{"a":1}\n') == 8
    assert fanout.failed == {full}
    assert (tmp_path / "good.jsonl").read_bytes() == b'{"a":1}\n'


def test_closed_pipe_is_a_write_error(capfd: pytest.CaptureFixture[str]) -> None:
    """stdout piped into a reader that quit (`authlens run | head -1`) is reported, not raised."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    fanout = LineFanout([(write_end, "stdout")])
    fanout.write(b"{}\n")
    fanout.write(b"{}\n")
    assert capfd.readouterr().err.count(WRITE_FAILED) == 1
    os.close(write_end)


def _write_lines(path: str, writer: int) -> None:
    logger = make_logger(stdout=False, log_file=Path(path))
    for i in range(300):
        logger.info(event="exchange", writer=writer, i=i, pad="x" * 3000)


def test_processes_appending_to_one_file_never_interleave(tmp_path: Path) -> None:
    """Several proxies sharing a log file: each 3 KB line stays whole (one O_APPEND write)."""
    path = tmp_path / "shared.jsonl"
    context = multiprocessing.get_context("spawn")  # fork from a threaded pytest may deadlock
    workers = [context.Process(target=_write_lines, args=(str(path), n)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 1200
    assert {(r["writer"], r["i"]) for r in rows} == {(w, i) for w in range(4) for i in range(300)}


@pytest.mark.e2e
@pytest.mark.parametrize(
    "log_file",
    ["/etc/hostname/authlens.jsonl", "/proc/authlens.jsonl"],
    ids=["under-a-file", "proc"],
)
def test_unwritable_log_path_stops_startup(make_proxy: ProxyFactory, log_file: str) -> None:
    """mitmdump exits at startup with a message naming the log file."""
    proxy = make_proxy("mitmdump", "--set", f"authlens_log_file={log_file}", start=False)
    assert proxy.wait_exit() not in (None, 0)
    output = proxy.stdout() + proxy.stderr()
    assert "authlens log file cannot be opened" in output
    assert log_file.rsplit("/", 1)[0] in output


@pytest.mark.e2e
def test_full_disk_mid_run_forwarding_goes_on(
    make_proxy: ProxyFactory, relay: ConnectRelay, good_key: str
) -> None:
    """With the log file on a full disk, every request still succeeds; stderr says it once."""
    proxy = make_proxy("mitmdump", *upstream_args(relay), "--set", f"authlens_log_file={FULL_DISK}")
    auth = {"authorization": f"Bearer {good_key}"}
    with proxy.client() as client:
        statuses = [
            client.get("https://api.openai.com/v1/models", headers=auth).status_code
            for _ in range(5)
        ]
    assert statuses == [200] * 5
    wait_for(lambda: len(proxy.log_lines()) >= 5 or None, 10, proxy.stdout())  # stdout works
    assert proxy.stderr().count(WRITE_FAILED) == 1
    assert not our_tracebacks(proxy.stderr())
