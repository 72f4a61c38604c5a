"""Helpers that keep hints to one ASCII line without secrets."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from authlens.redact import redact_text

_MAX_HINT = 400
_SPACES = re.compile(r"\s+")


def one_line(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` redacted, on one line, ASCII only and bounded in length."""
    text = _SPACES.sub(" ", redact_text(text, secrets)).strip()
    text = text.encode("ascii", "replace").decode("ascii")
    return text if len(text) <= _MAX_HINT else text[: _MAX_HINT - 3] + "..."


def quote_snippet(text: str, limit: int = 120) -> str:
    """A short, redacted excerpt of upstream text to quote inside a hint."""
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def utc_clock(epoch: float) -> str:
    """`10:42 UTC` for today-ish times, with the date otherwise."""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))
