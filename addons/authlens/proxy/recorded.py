"""What the live diagnosis leaves in the stored flow, so `authlens explain` can repeat it.

A `-w` flow file or a HAR keeps the request only after scrubbing: a quoted, labelled or
truncated key has become a fingerprint and lost the shape that was diagnosed. So the flow's
state (`flow.metadata["authlens"]`, saved with `-w`) keeps the cause, the hint as the client
got it and the key's fingerprint: nothing secret. HAR files keep the `X-Authlens-Cause` and
`X-Authlens-Hint` response headers and the annotated body (`error.authlens`) instead;
`tools/offline.py` reads both.
"""

from __future__ import annotations

from typing import Any

from authlens.exchange import Finding
from authlens.output.redact import redact_text


def record_diagnosis(
    state: dict[str, Any], finding: Finding | None, key: str | None, secrets: tuple[str, ...]
) -> None:
    """Keep the diagnosis in the flow's state: plain strings, redacted like the log line."""
    state["key"] = key
    if finding is None:
        state["cause"] = state["hint"] = None
        return
    state["cause"] = finding.cause
    state["hint"] = redact_text(finding.hint, secrets)
