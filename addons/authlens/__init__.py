"""authlens: a mitmproxy addon that redacts, explains and logs OpenAI API auth failures."""

from __future__ import annotations

__version__ = "0.1.0"
