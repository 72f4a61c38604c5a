"""What the live diagnosis leaves in the stored flow, so `authlens explain` can repeat it.

A `-w` flow file or a HAR keeps the request only after scrubbing: a quoted, labelled or
truncated key has become a fingerprint and lost the shape that was diagnosed. So the flow's
state (`flow.metadata["authlens"]`, saved with `-w`) keeps the cause, the hint as the client
got it and the key's fingerprint: nothing secret. HAR files keep the `X-Authlens-Cause` and
`X-Authlens-Hint` response headers and the annotated body (`error.authlens`) instead;
`tools/offline.py` reads both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def record_diagnosis(state: dict[str, Any], event: Mapping[str, Any]) -> None:
    """Keep the diagnosis in the flow's state: the log line's cause, hint and key (redacted)."""
    state["key"] = event.get("key")
    state["cause"] = event.get("cause")
    state["hint"] = event.get("hint")
