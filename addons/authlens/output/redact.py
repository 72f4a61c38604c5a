"""Redaction by its 0.1 import path: the functions live in `authlens.secrets.redactor`.

Redaction is one object below diagnosis and output (`authlens.secrets`); this module keeps
the old names for callers and tests that redact one value.
"""

from __future__ import annotations

from authlens.secrets.places import SECRET_HEADERS
from authlens.secrets.redactor import (
    REDACTED,
    SHORTEST_SECRET,
    redact_header,
    redact_path,
    redact_text,
)

__all__ = [
    "REDACTED",
    "SECRET_HEADERS",
    "SHORTEST_SECRET",
    "redact_header",
    "redact_path",
    "redact_text",
]
