"""`our_tracebacks`: a proxy's stderr is clean of tracebacks but asyncio's own shutdown noise."""

from __future__ import annotations

from tests.harness import our_tracebacks

ASYNCIO_SHUTDOWN = """\
Exception in callback StreamReaderProtocol.__init__.<locals>.callback(<Task cancelled>) at \
/usr/lib/python3.12/asyncio/streams.py:248
Traceback (most recent call last):
  File "/usr/lib/python3.12/asyncio/events.py", line 84, in _run
    self._context.run(self._callback, *self._args)
  File "/venv/site-packages/mitmproxy/proxy/server.py", line 155, in handle_client
    await asyncio.wait([handler])
asyncio.exceptions.CancelledError
"""
OURS = """\
Traceback (most recent call last):
  File "/repo/addons/authlens/proxy/addon.py", line 200, in response
    finding = diagnose(ev)
ValueError: boom
"""


def test_asyncio_cancellation_at_shutdown_is_not_ours() -> None:
    assert our_tracebacks(ASYNCIO_SHUTDOWN) == []


def test_any_other_traceback_counts() -> None:
    """Ours, mitmproxy's with another error, and ours cancelled: all reported."""
    assert len(our_tracebacks(ASYNCIO_SHUTDOWN + OURS)) == 1
    assert len(our_tracebacks(OURS.replace("addons/authlens/proxy", "mitmproxy"))) == 1
    cancelled_in_ours = OURS.replace("ValueError: boom", "asyncio.exceptions.CancelledError")
    assert len(our_tracebacks(cancelled_in_ours)) == 1
