"""Where a credential value was found, and what that place expects.

The same value means different things in different places: a 32-hex Azure key is right in
Azure's `api-key` header and wrong as `Authorization: Bearer`; `Bearer sk-...` inside
OPENAI_API_KEY doubles the scheme, inside AZURE_OPENAI_API_KEY it is a pasted label. Hints
name the place and the variable to fix, so they are built from this context.
"""

from __future__ import annotations

from dataclasses import dataclass

from authlens.credentials.provider_keys import host_owner
from authlens.providers import AZURE, COMPATIBLE, OPENAI, provider_for_host
from authlens.registry import AUTHORIZATION, PROVIDERS

_AZURE = PROVIDERS[AZURE]
# Variables whose value the SDKs send after `Authorization: Bearer `: OpenAI's, and Azure's
# Entra token variable (the last of Azure's variables).
_BEARER_VARIABLES = frozenset({*PROVIDERS[OPENAI].variables, _AZURE.variables[-1]})
# Azure takes keys in these headers, and (for browser websockets, Realtime) query parameters.
AZURE_KEY_PLACES = frozenset(
    {*_AZURE.key_headers, *(f"query:{name}" for name in _AZURE.key_query_params)}
)
__all__ = ["AUTHORIZATION", "AZURE_KEY_PLACES", "KeyContext", "make_context"]


@dataclass(frozen=True, slots=True)
class KeyContext:
    """A value's place: `location` is "authorization", "api-key", "x-api-key",
    "ocp-apim-subscription-key", "query:<name>" or "env:<VARIABLE>"; `scheme` is the
    Authorization scheme as written (None elsewhere); `expected` is the provider whose keys
    belong here ("openai", "azure", "groq", ...; None when the host is unknown)."""

    provider: str
    location: str
    scheme: str | None
    expected: str | None
    separator: str = " "  # between the Authorization scheme and the token, as sent

    @property
    def env_variable(self) -> str | None:
        return self.location[4:] if self.location.startswith("env:") else None

    @property
    def is_azure(self) -> bool:
        return self.provider == AZURE

    @property
    def bearer_slot(self) -> bool:
        """The value is sent after `Bearer ` (by us seeing it, or by the SDK reading it)."""
        if self.location == AUTHORIZATION:
            return True
        name = self.env_variable
        if name is None:
            return False
        return name in _BEARER_VARIABLES or not (self.is_azure and "TOKEN" not in name)

    @property
    def azure_key_slot(self) -> bool:
        """Azure reads a resource key here (`api-key`, or a variable that feeds it)."""
        if self.location in AZURE_KEY_PLACES:
            return True
        return self.is_azure and self.env_variable is not None and not self.bearer_slot

    @property
    def variable(self) -> str:
        """The variable a user should fix: the one checked, or the one the SDKs read."""
        if name := self.env_variable:
            return name
        if self.is_azure:
            return _AZURE.variables[-1] if self.bearer_slot else _AZURE.variables[0]
        return PROVIDERS[OPENAI].variable

    @property
    def place(self) -> str:
        """`the Authorization header`, `the query parameter 'key'`, `OPENAI_API_KEY`."""
        if name := self.env_variable:
            return name
        if self.location.startswith("query:"):
            return f"the query parameter '{_safe_name(self.location[6:])}'"
        if self.location == AUTHORIZATION:
            return "the Authorization header"
        if self.location == "websocket-protocol":
            return "the Sec-WebSocket-Protocol header"
        return f"the {self.location} header"

    @property
    def subject(self) -> str:
        """How a hint starts: `The key in the Authorization header` or `OPENAI_API_KEY`."""
        return self.place if self.env_variable else f"The key in {self.place}"


def _safe_name(name: str) -> str:
    """A query parameter name as shown: it comes from our own list, but stay defensive."""
    return name if name.isascii() and name.replace("-", "").replace("_", "").isalnum() else "?"


def make_context(
    *,
    provider: str | None,
    location: str,
    scheme: str | None = None,
    host: str = "",
    separator: str = " ",
) -> KeyContext:
    """Fill in what the caller left out: the provider from the host or the variable's name."""
    if provider is None:
        if host:
            provider = provider_for_host(host)
        elif location.startswith("env:AZURE_"):
            provider = AZURE
        else:
            provider = OPENAI
    expected = host_owner(host) if host else None
    if expected is None and provider in (OPENAI, AZURE):
        expected = provider
    if provider not in (OPENAI, AZURE, COMPATIBLE):
        provider = COMPATIBLE
    return KeyContext(provider, location, scheme, expected, separator)
