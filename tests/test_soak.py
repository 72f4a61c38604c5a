"""Soak: thousands of mixed exchanges over 8 keep-alive connections through one real proxy.

Every exchange must be logged exactly once (ids counted), nothing may error, every log line
must be whole JSON, and the proxy's memory must stay flat (RSS from /proc, the first fifth
against the last). CI runs a smaller default; `AUTHLENS_SOAK_EXCHANGES=5000` is the full size.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness import (
    ConnectRelay,
    Proxy,
    ProxyFactory,
    our_tracebacks,
    synthetic_key,
    upstream_args,
    wait_for,
)

pytestmark = pytest.mark.e2e
EXCHANGES = int(os.environ.get("AUTHLENS_SOAK_EXCHANGES", "1600"))
CONNECTIONS = 8
# RSS may grow while caches fill in the first fifth; after that it must stay within this.
MAX_GROWTH_BYTES = 12 * 1024 * 1024
API = "https://api.openai.com"
CHAT = b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}'
STREAM = b'{"model": "gpt-4o-mini", "stream": true, "messages": []}'


@dataclass(frozen=True)
class Kind:
    """One kind of exchange in the mix, with the status and cause it must get."""

    name: str
    send: Callable[[httpx.Client, str], httpx.Response]
    status: int
    cause: str | None


def _models(key: str | None) -> Callable[[httpx.Client, str], httpx.Response]:
    def send(client: httpx.Client, good: str) -> httpx.Response:
        headers = {"authorization": f"Bearer {key or good}"}
        return client.get(f"{API}/v1/models", headers=headers)

    return send


def _chat(client: httpx.Client, good: str) -> httpx.Response:
    return client.post(
        f"{API}/v1/chat/completions", content=CHAT, headers={"authorization": f"Bearer {good}"}
    )


def _stream(client: httpx.Client, good: str) -> httpx.Response:
    headers = {
        "authorization": f"Bearer {good}",
        "x-fake-stream-chunks": "3",
        "x-fake-stream-delay": "0",
    }
    with client.stream("POST", f"{API}/v1/chat/completions", content=STREAM, headers=headers) as r:
        r.read()
    return r


def _missing(client: httpx.Client, good: str) -> httpx.Response:
    return client.post(
        f"{API}/v1/chat/completions", content=CHAT, headers={"x-fake-encoding": "gzip"}
    )


def _wrong_path(client: httpx.Client, good: str) -> httpx.Response:
    return client.get(f"{API}/models", headers={"authorization": f"Bearer {good}"})


KINDS = (
    Kind("models", _models(None), 200, None),
    Kind("chat", _chat, 200, None),
    Kind("stream", _stream, 200, None),
    Kind("bad key", _models(synthetic_key()), 401, "invalid_api_key"),
    Kind("no key, gzip", _missing, 401, "missing_credentials"),
    Kind("wrong path", _wrong_path, 404, "wrong_base_url"),
)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


@dataclass
class Progress:
    """Shared by the workers: ids seen, failures, and RSS at each fifth of the run."""

    pid: int
    done: int = 0
    ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: Kind, response: httpx.Response) -> None:
        with self.lock:
            self.done += 1
            self.ids.append(response.headers.get("x-authlens-id", "missing"))
            if (
                response.status_code != kind.status
                or response.headers.get("x-authlens-cause") != kind.cause
            ):
                self.problems.append(
                    f"{kind.name}: {response.status_code} {response.headers.get('x-authlens-cause')}"
                )
            if self.done % (EXCHANGES // 5) == 0:
                self.rss.append(rss_bytes(self.pid))


def worker(proxy: Proxy, good: str, progress: Progress, start: int) -> None:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)  # one keep-alive each
    with proxy.client(30, limits=limits) as client:
        for n in range(start, EXCHANGES, CONNECTIONS):
            kind = KINDS[n % len(KINDS)]
            try:
                progress.record(kind, kind.send(client, good))
            except httpx.HTTPError as e:
                with progress.lock:
                    progress.problems.append(f"{kind.name}: {type(e).__name__}: {e}")


def test_soak(make_proxy: ProxyFactory, relay: ConnectRelay, good_key: str, tmp_path: Path) -> None:
    """Every exchange logged once, no error anywhere, whole lines, flat memory."""
    log_file = tmp_path / "soak.jsonl"
    proxy = make_proxy("mitmdump", *upstream_args(relay), "--set", f"authlens_log_file={log_file}")
    assert proxy.process is not None
    progress = Progress(proxy.process.pid)
    threads = [
        threading.Thread(target=worker, args=(proxy, good_key, progress, n))
        for n in range(CONNECTIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)

    assert progress.problems[:5] == []
    assert progress.done == EXCHANGES
    wait_for(
        lambda: len(log_file.read_text().splitlines()) >= EXCHANGES or None, 30, "log lines missing"
    )
    lines: list[dict[str, Any]] = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert Counter(e["event"] for e in lines) == {"exchange": EXCHANGES}
    logged = Counter(e["id"] for e in lines)
    assert set(logged) == set(progress.ids)
    assert max(logged.values()) == 1
    stdout_ids = Counter(e["id"] for e in proxy.log_lines())
    assert stdout_ids == logged
    assert not our_tracebacks(proxy.stderr())
    first, *_, last = progress.rss
    assert last - first < MAX_GROWTH_BYTES, (
        f"RSS per fifth: {[r // 1024 for r in progress.rss]} KiB"
    )
