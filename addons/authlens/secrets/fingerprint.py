"""The key fingerprint (contract section 6): `<kind prefix>...<last 4> sha256:<12 hex>`.

People match it against their dashboard and `printf %s "$KEY" | sha256sum` without seeing
the key. Not cached: a cache keyed by the raw key would keep it alive after the flow is
scrubbed (and a SHA-256 of a key costs about a microsecond).
"""

from __future__ import annotations

import hashlib

from authlens.registry import kind_prefix as _registry_prefix

_SHOW_LAST4_FROM = 20
# Characters that can wrap a pasted key without being part of it; skipped to find its prefix.
_WRAPPING = " \t\r\n\"'`{}$<>[]()"


def kind_prefix(token: str) -> str:
    """The registry's literal prefix of `token` (after quotes or braces around it), or ''."""
    return _registry_prefix(token.lstrip(_WRAPPING))


def fingerprint_key(token: str) -> str:
    """`<kind prefix>...<last 4> sha256:<12 hex>`; no last 4 below 20 characters."""
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    last4 = token[-4:] if len(token) >= _SHOW_LAST4_FROM else ""
    if not last4.isascii() or not last4.isprintable():
        last4 = last4.encode("ascii", "backslashreplace").decode()
    return f"{kind_prefix(token)}...{last4} sha256:{digest}"
