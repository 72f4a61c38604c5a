"""Issue 10, Critical 2 and Low: shutdown with requests in flight, SIGHUP, file modes, options.

Through real `authlens run` / `mitmdump -s` processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import orjson
import pytest

from authlens.fake_openai import CHUNKS_HEADER, DELAY_HEADER, FakeOpenAI
from tests.harness import VENV_BIN, ConnectRelay, ProxyFactory, clean_env, synthetic_key
from tests.security.kit import bearer, connect, leaks, raw, request_bytes, start


def _first_chunk(tls: object) -> bytes:
    data = b""
    while b"data: " not in data:
        chunk = tls.recv(65536)  # type: ignore[attr-defined]
        assert chunk, data
        data += chunk
    return data


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_flows_in_flight_at_shutdown_are_scrubbed_and_logged(
    make_proxy: ProxyFactory,
    relay: ConnectRelay,
    fake: FakeOpenAI,
    good_key: str,
    tmp_path: Path,
    sig: signal.Signals,
) -> None:
    """Critical 2: the `-w`/HAR copy of a flow still streaming holds no key; its line says
    `proxy_shutdown` (not `client_disconnected`)."""
    run = start(make_proxy, relay, tmp_path)
    pasted = synthetic_key()
    headers = [
        bearer(good_key),
        (b"x-portkey-api-key", pasted.encode()),
        (b"Content-Type", b"application/json"),
        (CHUNKS_HEADER.encode(), b"400"),
        (DELAY_HEADER.encode(), b"0.1"),
    ]
    body = b'{"model": "gpt-4o-mini", "stream": true, "messages": []}'
    with connect(run.proxy) as tls:
        tls.sendall(request_bytes("POST", b"/v1/chat/completions", headers, body))
        head = _first_chunk(tls)
        assert run.proxy.process is not None
        run.proxy.process.send_signal(sig)
        assert run.proxy.process.wait(20) is not None
    exchange_id = next(
        line.split(b":", 1)[1].strip().decode()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"x-authlens-id:")
    )
    outputs = run.outputs()
    assert outputs["flows"] and outputs["har"]  # the flow was stored, as mitmproxy does
    assert leaks(outputs, good_key) == []
    assert leaks(outputs, pasted) == []
    (line,) = [e for e in run.lines() if e.get("id") == exchange_id]
    assert line["cause"] == "proxy_shutdown"


def test_sighup_reopens_the_log_file(
    make_proxy: ProxyFactory, relay: ConnectRelay, tmp_path: Path
) -> None:
    """After logrotate's rename and SIGHUP, lines go to a new file; the proxy lives on."""
    run = start(make_proxy, relay, tmp_path)
    first = raw(run.proxy, "GET", b"/v1/models", [bearer(synthetic_key())])
    run.line(first.headers["x-authlens-id"])
    rotated = tmp_path / "authlens.jsonl.1"
    run.log.rename(rotated)
    assert run.proxy.process is not None
    run.proxy.process.send_signal(signal.SIGHUP)
    second = raw(run.proxy, "GET", b"/v1/models", [bearer(synthetic_key())])
    run.line(second.headers["x-authlens-id"])
    assert run.proxy.process.poll() is None
    old_ids = [orjson.loads(line)["id"] for line in rotated.read_text().splitlines()]
    assert old_ids == [first.headers["x-authlens-id"]]


def test_sighup_on_a_terminal_stops_the_proxy(make_proxy: ProxyFactory, tmp_path: Path) -> None:
    """Closing the terminal `authlens run` runs in (SIGHUP) stops it, as Ctrl-C would: it does
    not linger in the background holding the port (detached, SIGHUP reopens the log)."""
    controller, terminal = os.openpty()
    try:
        log = tmp_path / "a.jsonl"
        proxy = make_proxy("authlens", "--set", f"authlens_log_file={log}", start=False)
        proxy.stop()  # launched detached by the factory: start again with a terminal as stdin
        proxy.stdin = terminal
        proxy.start()
        assert proxy.process is not None
        proxy.process.send_signal(signal.SIGHUP)
        assert proxy.process.wait(timeout=15) == 0
    finally:
        os.close(controller)
        os.close(terminal)


def test_written_files_are_private(
    make_proxy: ProxyFactory, relay: ConnectRelay, tmp_path: Path
) -> None:
    """`authlens run` creates the `-w` flow file, the HAR dump and the log file 0600."""
    run = start(make_proxy, relay, tmp_path)
    answer = raw(run.proxy, "GET", b"/v1/models", [bearer(synthetic_key())])
    run.line(answer.headers["x-authlens-id"])
    run.stop()
    for path in (run.flows, run.har, run.log):
        assert path.exists() and path.stat().st_mode & 0o077 == 0, oct(path.stat().st_mode)


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("authlens_lgo_file=x.jsonl", "authlens_lgo_file"),
        ("authlens_log_stdout=loud", "log_stdout"),
        ("authlens_hosts=", "hosts"),
    ],
)
def test_bad_options_stop_with_two_lines(tmp_path: Path, setting: str, named: str) -> None:
    """A typo or a bad value: what is wrong and the fix (valid names listed for a typo), no
    traceback, nothing claims to listen."""
    done = subprocess.run(
        [str(VENV_BIN / "authlens"), "run", "-p", "0", "--set", setting],
        capture_output=True,
        env=clean_env(),
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    stderr = done.stderr.decode()
    assert done.returncode != 0
    assert named in stderr and "Traceback" not in stderr and "listening" not in stderr
    assert len(stderr.strip().splitlines()) <= 2
    if "lgo" in setting:
        assert "authlens_log_file" in stderr  # the valid names


def test_mitmdump_rejects_an_unknown_authlens_option(make_proxy: ProxyFactory) -> None:
    """Under bare `mitmdump -s`, a misspelt authlens option stops startup too."""
    proxy = make_proxy("mitmdump", "--set", "authlens_annotate_bdy=false", start=False)
    assert proxy.wait_exit() not in (None, 0)
    assert "authlens_annotate_body" in proxy.stdout() + proxy.stderr()


def test_reconfiguring_does_not_leak_descriptors(tmp_path: Path) -> None:
    """50 reconfigurations of authlens options leave the open descriptors as they were."""
    from mitmproxy.test import taddons

    from authlens.proxy.addon import AuthLens

    lens = AuthLens()
    with taddons.context(lens) as tctx:
        tctx.configure(lens, authlens_log_stdout="false", authlens_log_file=str(tmp_path / "a"))
        before = len(os.listdir("/proc/self/fd"))
        for i in range(50):
            tctx.configure(lens, authlens_log_file=str(tmp_path / f"log{i % 2}"))
            tctx.configure(lens, authlens_hosts=[f"h{i}.example"])
        assert len(os.listdir("/proc/self/fd")) <= before + 1
