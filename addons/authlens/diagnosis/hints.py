"""Helpers that keep hints to one ASCII line, and quotes in them without secrets.

A hint is redacted once, where it leaves authlens (`output.events.build_event` for the log,
headers and bodies; `explain` and `check` for their output), with every secret the exchange
carried. Only a quote of upstream or request text is redacted here, before it is cut: a cut
could leave a piece of a key no later redaction recognizes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from authlens.registry import kind_prefix
from authlens.secrets.redactor import KEY_CHARACTERS, redact_text

_MAX_HINT = 400
# Whitespace and control characters: a NUL quoted from a binary body would break a header.
_SPACES = re.compile(r"[\s\x00-\x1f\x7f]+")
# Long runs of token characters in upstream text may be a key, a hash of one or a token:
# quoted text never carries them (paths and URLs split into shorter runs on "/" and ".").
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_+=-]{24,}")
_TOKEN_END = re.compile(KEY_CHARACTERS + r"+\Z")  # key characters up to a cut
_SAFE_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}")
_SAFE_HEADER_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,:;=/_-]{0,59}")


def one_line(text: str) -> str:
    """`text` on one line, ASCII only and bounded in length; not redacted (see above)."""
    text = _SPACES.sub(" ", text).strip()
    text = text.encode("ascii", "replace").decode("ascii")
    return text if len(text) <= _MAX_HINT else _cut(text, _MAX_HINT)


def quote_snippet(text: str, limit: int = 120, secrets: Iterable[str] = ()) -> str:
    """A short, redacted excerpt of upstream text to quote inside a hint."""
    text = _LONG_TOKEN.sub("[...]", one_line(redact_text(text, secrets)))
    return text if len(text) <= limit else _cut(text, limit)


def _cut(text: str, limit: int) -> str:
    """`text` cut to `limit` with "...", without the token the cut went through: half a key
    is not key-shaped any more, so no redaction after this would find it. (A text that is
    one token keeps its head: a key that long is still key-shaped.)"""
    head = text[: limit - 3]
    return (_TOKEN_END.sub("", head) or head) + "..."


def safe_label(value: str | None) -> str | None:
    """An org/project id or name short and plain enough to repeat in a hint, else None.

    Values that look like keys (someone pasted a key into OpenAI-Organization) are refused.
    """
    if not value or not _SAFE_LABEL.fullmatch(value) or redact_text(value) != value:
        return None
    if kind_prefix(value) or kind_prefix(value.lower()):
        return None
    return value


def plain_header_value(value: str | None) -> str | None:
    """A header value (retry, rate limit, request id) plain enough to quote in a hint, else None."""
    if not value or not _SAFE_HEADER_VALUE.fullmatch(value.strip()):
        return None
    return value.strip()


def utc_clock(epoch: float, now: float | None = None) -> str:
    """`10:42 UTC` when `epoch` is on the same UTC day as `now`, with the date otherwise."""
    when = time.gmtime(epoch)
    if now is not None and time.gmtime(now)[:3] == when[:3]:
        return time.strftime("%H:%M UTC", when)
    return time.strftime("%Y-%m-%d %H:%M UTC", when)
