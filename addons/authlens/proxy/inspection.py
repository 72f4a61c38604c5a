"""Which flows authlens inspects, and the per-flow state it starts for them.

`AuthLens.request` and the failure hooks (`failure_hooks.py`) both decide this; they read
the host matcher and profiles through `Scope`, so each decision sees the ones that
`AuthLens.configure` set last (it replaces both objects when the settings change).
"""

from __future__ import annotations

from typing import Any, Protocol

from mitmproxy import connection, http
from mitmproxy.proxy.mode_specs import ReverseMode

from authlens.providers import HostMatcher, Profiles
from authlens.proxy.flowdata import new_state, pretty_host


class Scope(Protocol):
    """The hosts authlens inspects and their provider profiles, as last configured."""

    @property
    def inspected(self) -> HostMatcher: ...

    @property
    def profiles(self) -> Profiles: ...


def inspects(scope: Scope, client: connection.Client, host: str) -> bool:
    """Whether traffic to `host` is inspected: a reverse proxy's one upstream always is."""
    return isinstance(client.proxy_mode, ReverseMode) or scope.inspected(host)


def start_state(
    flow: http.HTTPFlow,
    scope: Scope,
    *,
    inspected: bool = True,
    id_added: bool = False,
    host: str | None = None,
) -> dict[str, Any]:
    """New per-flow state, with the host (`pretty_host`) and its provider resolved once."""
    if host is None:
        host = pretty_host(flow.request)
    return new_state(
        flow, host=host, provider=scope.profiles(host), inspected=inspected, id_added=id_added
    )
