"""The harness says a proxy started only once mitmproxy's startup checks have passed.

mitmproxy prints "listening at" before the `running` hooks run, and exits right after them
if one logged an error: a fixed wait after "listening" calls such a proxy started.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import ProxyFactory, ProxyStartError

pytestmark = pytest.mark.e2e

SLOW_FAILURE = """
import asyncio
import logging


class FailsLate:
    async def running(self):
        await asyncio.sleep(1.5)  # well after "listening at"
        logging.getLogger(__name__).error("late startup failure")


addons = [FailsLate()]
"""


def test_an_error_after_listening_is_a_failed_start(
    make_proxy: ProxyFactory, tmp_path: Path
) -> None:
    """An addon failing 1.5 s after "listening at": start() raises."""
    script = tmp_path / "fails_late.py"
    script.write_text(SLOW_FAILURE)
    with pytest.raises(ProxyStartError, match="Error logged during startup"):
        make_proxy("mitmdump", "-s", str(script))


def test_a_started_proxy_is_up_and_serving(make_proxy: ProxyFactory) -> None:
    """start() returns once the ready marker is written, with the port mitmproxy chose."""
    proxy = make_proxy("mitmdump")
    assert proxy.ready_path.exists()
    assert proxy.port > 0
    assert proxy.process is not None and proxy.process.poll() is None
