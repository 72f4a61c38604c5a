"""The canary responder: the proxy answers `authlens doctor`'s test requests itself.

A client sent through the proxy to CANARY_HOST gets a 401 in OpenAI's error shape, with the
hint headers and ` [authlens: ...]` in `error.message`, exactly like a diagnosed answer, and
the nonce of its path echoed back: `doctor` then knows the request reached this proxy, that
the client trusted the certificate, and what its app would show. No upstream is contacted: a
CONNECT to the canary host is accepted without the eager upstream connection, and no server
connection is attempted.
"""

from __future__ import annotations

import json
import re

from mitmproxy import http
from mitmproxy.proxy.server_hooks import ServerConnectionHookData

from authlens.proxy.flowdata import pretty_host
from authlens.proxy.hookguard import guarded
from authlens.tools.runtimes_canary import CANARY_HOST, CANARY_PATH

CANARY_HEADER = "X-Authlens-Canary"
CANARY_HINT = "canary: this request went through authlens and trusted its CA"
_NONCE = re.compile(r"[A-Za-z0-9-]{1,64}")


def canary_body(nonce: str) -> bytes:
    """The error body, shaped like OpenAI's so SDKs raise with its message."""
    error = {
        "message": f"authlens doctor canary {nonce} [authlens: {CANARY_HINT}]",
        "type": "invalid_request_error",
        "param": None,
        "code": "authlens_canary",
        "authlens": {"cause": None, "hint": CANARY_HINT, "id": nonce, "key": None},
    }
    return json.dumps({"error": error}).encode()


def is_canary(host: str) -> bool:
    return host.lower().rstrip(".") == CANARY_HOST


class Canary:
    """An addon placed before AuthLens; it touches nothing but the canary host."""

    def internal_error(self, hook: str, error: Exception) -> None:
        """`guarded` calls this; a canary failure only costs doctor its proof."""

    @guarded
    def http_connect(self, flow: http.HTTPFlow) -> None:
        if is_canary(flow.request.host):
            # A 2xx set here accepts the tunnel without connecting upstream first.
            flow.response = http.Response.make(200)

    @guarded
    def server_connect(self, data: ServerConnectionHookData) -> None:
        # mitmproxy would resolve and connect before the client's TLS (connection_strategy
        # eager): the canary host exists nowhere, so the attempt is stopped here, and
        # mitmproxy goes on with the client's TLS alone.
        address = data.server.address
        if address is not None and is_canary(str(address[0])):
            data.server.error = "authlens canary: answered by the proxy itself"

    @guarded
    def request(self, flow: http.HTTPFlow) -> None:
        if not is_canary(pretty_host(flow.request)):
            return
        nonce = flow.request.path.removeprefix(CANARY_PATH).split("?", 1)[0].split("/", 1)[0]
        nonce = nonce if _NONCE.fullmatch(nonce) else "none"
        flow.response = http.Response.make(
            401,
            canary_body(nonce),
            {
                "Content-Type": "application/json",
                CANARY_HEADER: nonce,
                "X-Authlens-Id": nonce,
                "X-Authlens-Hint": CANARY_HINT,
            },
        )
