"""`guarded`: the wrapper every mitmproxy hook of authlens wears.

A debugging proxy must never break the traffic it watches: an exception in our hook is
reported (as an `internal_error` line, without its message, which may quote a secret) and
the flow goes on as if authlens were not there.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol


class ReportsErrors(Protocol):
    def internal_error(self, hook: str, error: Exception) -> None: ...


def guarded[F: Callable[..., None]](hook: F) -> F:
    """Never let our own failure break a flow: log it as `internal_error` and go on."""

    @functools.wraps(hook)
    def wrapper(self: ReportsErrors, *args: Any) -> None:
        try:
            hook(self, *args)
        except Exception as e:
            self.internal_error(hook.__name__, e)

    return wrapper  # type: ignore[return-value]


def failure_location(error: BaseException) -> str:
    """`module.py:123 in function` of the innermost frame: secret-free, unlike a message."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"
