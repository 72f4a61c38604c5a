"""Plain data out of mitmproxy flows and connections: the `Exchange` the core reads.

The addon's hooks call these; nothing here decides anything.
"""

from __future__ import annotations

import random
import time
from typing import Any

from mitmproxy import connection, http
from mitmproxy.proxy import mode_specs

from authlens.diagnosis.request_model import model_from_body
from authlens.exchange import Exchange, Failure
from authlens.output.events import level_of, rfc3339, sdk_of
from authlens.proxy.connwatch import ClientSeen
from authlens.secrets.bodies import MAX_BODY, Unreadable, decoded
from authlens.secrets.redactor import PLAIN
from authlens.secrets.text import native
from authlens.telemetry import ReplyFacts, StreamTap
from authlens.telemetry.replyfacts import body_facts

META = "authlens"  # key of authlens's per-flow state in `flow.metadata`
_HOSTS_KEPT = 1024


def new_id() -> str:
    """A random version-4 UUID, as `str(uuid.uuid4())` spells it.

    Made from `random`'s generator (seeded from the OS, reseeded in a forked child): an id
    must be unique, not unguessable, and `uuid4` cost a system call per exchange.
    """
    bits = random.getrandbits(128) & ~(0xF000 << 64 | 0xC000 << 48) | (0x4000 << 64 | 0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_hosts: dict[tuple[bool, bytes, str, str], str] = {}


def pretty_host(request: http.Request) -> str:
    """`request.pretty_host`, kept per what it is computed from (HTTP/2 or 3, authority,
    Host header, host): its parse and IDNA check cost about 10 us, and both the canary and
    AuthLens ask for every request. A host name is no secret; the table is emptied when
    full (a client inventing hosts costs only misses)."""
    h2 = request.is_http2 or request.is_http3
    key = (h2, request.data.authority, header_text(request.headers, b"host"), request.host)
    host = _hosts.get(key)
    if host is None:
        if len(_hosts) >= _HOSTS_KEPT:
            _hosts.clear()
        host = _hosts[key] = request.pretty_host
    return host


def new_state(
    flow: http.HTTPFlow, *, host: str, provider: str, inspected: bool, id_added: bool
) -> dict[str, Any]:
    """Per-flow state kept in `flow.metadata["authlens"]` (plain values: flow files store it)."""
    return {
        "id": new_id(),
        "host": host,
        "provider": provider,
        "inspected": inspected,
        "client_request_id_added": id_added,
        "model": model_from_body(
            flow.request.raw_content, header_text(flow.request.headers, b"content-type")
        ),
        "stream": False,
    }


def header_dict(headers: http.Headers) -> dict[str, str]:
    """Lower-case names to values, repeats joined with ", ", as `dict(headers)` gives them.

    One pass over the raw fields: `dict(headers)` rescans every field per name (`get_all`),
    which cost 25 us for the SDK's nine request headers; this takes under 2 us.
    """
    values: dict[str, list[str]] = {}
    for raw_name, raw_value in headers.fields:
        name = native(raw_name).lower()
        value = native(raw_value)
        if name in values:
            values[name].append(value)  # joined once below: 150,000 repeats stay linear
        else:
            values[name] = [value]
    return {name: v[0] if len(v) == 1 else ", ".join(v) for name, v in values.items()}


def header_text(headers: http.Headers, lower_name: bytes) -> str:
    """`headers.get(name, "")` in one pass over the raw fields (repeats joined with ", ")."""
    size = len(lower_name)  # compared first: most names differ in length, and lower() costs
    values = [
        value for name, value in headers.fields if len(name) == size and name.lower() == lower_name
    ]
    return native(b", ".join(values))


def has_header(headers: http.Headers, lower_name: bytes) -> bool:
    """`lower_name in headers`, one pass over the raw fields."""
    size = len(lower_name)
    return any(len(name) == size and name.lower() == lower_name for name, _ in headers.fields)


def set_headers(headers: http.Headers, values: dict[str, str]) -> None:
    """`headers[name] = value` for each item, in one pass over the raw fields.

    The same result as mitmproxy's `set_all` per name (the first field of a name keeps its
    place and spelling, later ones go, a new name is appended), without its per-field key
    conversion for every name set.
    """
    wanted = {
        name.lower().encode(): (name.encode(), value.encode("utf-8", "surrogateescape"))
        for name, value in values.items()
    }
    fields: list[tuple[bytes, bytes]] = []
    placed: set[bytes] = set()
    for raw_name, raw_value in headers.fields:
        lname = raw_name.lower()
        new = wanted.get(lname)
        if new is None:
            fields.append((raw_name, raw_value))
        elif lname not in placed:
            fields.append((raw_name, new[1]))
            placed.add(lname)
    fields.extend(field for lname, field in wanted.items() if lname not in placed)
    headers.fields = tuple(fields)


def address_host(conn: connection.Server) -> str:
    return str(conn.address[0]) if conn.address else ""


def peer_address(client: connection.Client) -> str | None:
    """The client's IP address (its port changes per connection and says nothing)."""
    return str(client.peername[0]) if client.peername else None


def reply_facts(flow: http.HTTPFlow, with_body: bool) -> ReplyFacts:
    """The response's first chunk time, and its id and usage when `with_body` (spans)."""
    response = flow.response
    if response is None or flow.request.method == "CONNECT":
        return ReplyFacts()
    if isinstance(response.stream, StreamTap):
        return response.stream.facts()
    if not with_body:
        return ReplyFacts(first_chunk=response.timestamp_start)
    try:
        body = response.content
    except ValueError:  # undecodable Content-Encoding
        body = None
    return body_facts(body, response.timestamp_start)


def reverse_proxy_url(client: connection.Client) -> str | None:
    """`http://host:port` the client used to reach us in reverse mode; None in other modes."""
    if not isinstance(client.proxy_mode, mode_specs.ReverseMode) or not client.sockname:
        return None
    host, port = str(client.sockname[0]), client.sockname[1]
    host = f"[{host}]" if ":" in host else host
    return f"{'https' if client.tls_established else 'http'}://{host}:{port}"


def flow_to_exchange(
    flow: http.HTTPFlow, state: dict[str, Any], failure: Failure | None = None
) -> Exchange:
    """Plain data from a flow; a CONNECT's response is mitmproxy's own, not the upstream's."""
    request = flow.request
    response = flow.response if request.method != "CONNECT" else None
    body = None
    if response is not None and not failure and not state["stream"] and response.status_code >= 400:
        try:
            encoding = header_text(response.headers, b"content-encoding")
            body = decoded(response.raw_content or b"", encoding)
        except Unreadable as e:
            # Bounded work: a huge or undecodable error body passes untouched, with a note.
            state["note"] = f"error body not inspected: {e} (limit {MAX_BODY} bytes)"
    return Exchange(
        id=state["id"],
        provider=state["provider"],
        method=request.method,
        scheme=request.scheme,
        host=state["host"],
        path=request.path,
        request_headers=header_dict(request.headers),
        started=request.timestamp_start,
        ended=(response.timestamp_end if response else None) or time.time(),
        model=state["model"],
        status=response.status_code if response else None,
        response_headers=header_dict(response.headers) if response else {},
        response_body=body,
        stream=state["stream"],
        failure=failure,
        client_request_id_added=state["client_request_id_added"],
        request_body=request.raw_content if body is not None else None,
        peer=peer_address(flow.client_conn),
        proxy_url=reverse_proxy_url(flow.client_conn),
    )


def flowless_exchange(
    client: connection.Client, host: str, provider: str, failure: Failure, seen: ClientSeen
) -> Exchange:
    """A failure no HTTP flow carries (the client refused our TLS, or left before a request)."""
    headers = {"user-agent": seen.user_agent} if seen.user_agent else {}
    return Exchange(
        id=new_id(),
        provider=provider,
        method="CONNECT" if seen.connect else "",
        scheme="https",
        host=host,
        path="",
        request_headers=headers,
        started=client.timestamp_start,
        ended=time.time(),
        failure=failure,
        peer=peer_address(client),
    )


def fallback_event(flow: http.HTTPFlow, state: dict[str, Any]) -> dict[str, Any]:
    """The exchange's line when our diagnosis failed: what is known, nothing computed."""
    request, response = flow.request, flow.response
    headers = header_dict(request.headers)
    status = response.status_code if response is not None else None
    return {
        "timestamp": rfc3339(time.time()),
        "level": level_of(status),
        "event": "exchange",
        "id": state["id"],
        "client_request_id": headers.get("x-client-request-id"),
        "upstream_request_id": None,
        "method": request.method,
        "host": state["host"],
        "path": PLAIN.path(request.path),
        "status": status,
        "duration_ms": None,
        "cause": None,
        "hint": None,
        "answered_by": None,
        "key": None,
        "organization": None,
        "project": None,
        "model": None,
        "stream": state["stream"],
        "sdk": sdk_of(headers),
        "note": "authlens could not diagnose this exchange (internal_error logged)",
    }
