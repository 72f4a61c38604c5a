"""Plain data out of mitmproxy flows and connections: the `Exchange` the core reads.

The addon's hooks call these; nothing here decides anything.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from mitmproxy import connection, http

from authlens.exchange import Exchange, Failure
from authlens.output.events import model_from_body
from authlens.proxy.connwatch import ClientSeen

META = "authlens"  # key of authlens's per-flow state in `flow.metadata`


def new_state(
    flow: http.HTTPFlow, *, host: str, provider: str, inspected: bool, id_added: bool
) -> dict[str, Any]:
    """Per-flow state kept in `flow.metadata["authlens"]` (plain values: flow files store it)."""
    return {
        "id": str(uuid.uuid4()),
        "host": host,
        "provider": provider,
        "inspected": inspected,
        "client_request_id_added": id_added,
        "model": model_from_body(
            flow.request.raw_content, flow.request.headers.get("content-type", "")
        ),
        "stream": False,
    }


def _headers(headers: http.Headers) -> dict[str, str]:
    return {name.lower(): value for name, value in dict(headers).items()}


def address_host(conn: connection.Server) -> str:
    return str(conn.address[0]) if conn.address else ""


def flow_to_exchange(
    flow: http.HTTPFlow, state: dict[str, Any], failure: Failure | None = None
) -> Exchange:
    """Plain data from a flow; a CONNECT's response is mitmproxy's own, not the upstream's."""
    request = flow.request
    response = flow.response if request.method != "CONNECT" else None
    body = None
    if response is not None and not failure and not state["stream"] and response.status_code >= 400:
        try:
            body = response.content
        except ValueError:  # undecodable Content-Encoding: diagnose from headers only
            body = None
    return Exchange(
        id=state["id"],
        provider=state["provider"],
        method=request.method,
        scheme=request.scheme,
        host=state["host"],
        path=request.path,
        request_headers=_headers(request.headers),
        started=request.timestamp_start,
        ended=(response.timestamp_end if response else None) or time.time(),
        model=state["model"],
        status=response.status_code if response else None,
        response_headers=_headers(response.headers) if response else {},
        response_body=body,
        stream=state["stream"],
        failure=failure,
        client_request_id_added=state["client_request_id_added"],
    )


def flowless_exchange(
    client: connection.Client, host: str, provider: str, failure: Failure, seen: ClientSeen
) -> Exchange:
    """A failure no HTTP flow carries (the client refused our TLS, or left before a request)."""
    headers = {"user-agent": seen.user_agent} if seen.user_agent else {}
    return Exchange(
        id=str(uuid.uuid4()),
        provider=provider,
        method="CONNECT" if seen.connect else "",
        scheme="https",
        host=host,
        path="",
        request_headers=headers,
        started=client.timestamp_start,
        ended=time.time(),
        failure=failure,
    )
