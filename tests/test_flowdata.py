"""The one-pass header helpers of `proxy.flowdata` and `proxy.flowscrub`, and the cheap ids
and host names of `proxy.flowdata`.

They replace mitmproxy's `Headers` methods and `Request.pretty_host`, and `uuid.uuid4`, on the
hot path (benchmarks.md): each must give what the call it replaces gives.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mitmproxy import http
from mitmproxy.test import tflow

from authlens.credentials.credential import find_credentials
from authlens.credentials.keys import fingerprint_key
from authlens.proxy import flowdata
from authlens.proxy.flowdata import (
    has_header,
    header_dict,
    header_text,
    new_id,
    pretty_host,
    set_headers,
)
from authlens.proxy.flowscrub import request_secrets, scrub_flow
from tests.keyfactory import leaks, project_key

KEY = project_key(11)

HEADER_SETS: list[list[tuple[bytes, bytes]]] = [
    [],
    [(b"Host", b"api.openai.com"), (b"Content-Type", b"application/json")],
    [(b"Accept", b"a"), (b"accept", b"b"), (b"X-Other", b"c"), (b"ACCEPT", b"d")],
    [(b"X-Bytes", "caf\u00e9".encode()), (b"X-Raw", b"\xff\xfe")],
    [(b"X-Authlens-Id", b"old"), (b"x-authlens-id", b"older"), (b"Server", b"nginx")],
]


@pytest.mark.parametrize("fields", HEADER_SETS)
def test_header_dict_is_dict_of_headers_lower_cased(fields: list[tuple[bytes, bytes]]) -> None:
    """Same names, same values, repeats joined with ", " as mitmproxy folds them."""
    headers = http.Headers(fields)
    expected = {name.lower(): value for name, value in dict(headers).items()}
    assert header_dict(headers) == expected


@pytest.mark.parametrize("fields", HEADER_SETS)
@pytest.mark.parametrize("name", ["accept", "host", "x-raw", "x-authlens-id", "missing"])
def test_header_text_and_has_header_are_get_and_in(
    fields: list[tuple[bytes, bytes]], name: str
) -> None:
    """`header_text` is `headers.get(name, "")`; `has_header` is `name in headers`."""
    headers = http.Headers(fields)
    assert header_text(headers, name.encode()) == headers.get(name, "")
    assert has_header(headers, name.encode()) is (name in headers)


@pytest.mark.parametrize("fields", HEADER_SETS)
@pytest.mark.parametrize(
    "values",
    [
        {"X-Authlens-Id": "abc"},
        {"Accept": "z", "X-New": "n"},
        {"X-Authlens-Id": "1", "X-Authlens-Cause": "c", "X-Authlens-Hint": "h \u00e9"},
    ],
)
def test_set_headers_is_setitem_per_name(
    fields: list[tuple[bytes, bytes]], values: dict[str, str]
) -> None:
    """The same fields, in the same order and spelling, as `headers[name] = value` each."""
    ours, theirs = http.Headers(fields), http.Headers(fields)
    set_headers(ours, values)
    for name, value in values.items():
        theirs[name] = value
    assert ours.fields == theirs.fields


def _flow(*extra: tuple[bytes, bytes]) -> http.HTTPFlow:
    flow = tflow.tflow()
    fields = [(b"Host", b"api.openai.com"), (b"Authorization", f"Bearer {KEY}".encode())]
    flow.request.headers = http.Headers([*fields, *extra])
    return flow


def test_secrets_from_given_headers_and_credentials_are_the_same() -> None:
    """Passing the header copy and credentials in finds what finding them again finds."""
    flow = _flow(
        (b"Cookie", b"session=abcdefghijkl0123"), (b"Proxy-Authorization", b"Basic dXNlcjpw")
    )
    headers = header_dict(flow.request.headers)
    given = request_secrets(flow.request, headers, find_credentials(headers, flow.request.path))
    assert given == request_secrets(flow.request)
    assert KEY in given and "abcdefghijkl0123" in given


def test_scrub_redacts_every_repeat_of_a_header_holding_the_key() -> None:
    """A key pasted into a repeated non-secret header is redacted in each field, order kept."""
    flow = _flow((b"X-Note", f"a {KEY}".encode()), (b"X-Keep", b"plain"), (b"x-note", KEY.encode()))
    scrub_flow(flow)
    names = [name for name, _ in flow.request.headers.fields]
    assert names == [b"Host", b"Authorization", b"X-Note", b"X-Keep", b"x-note"]
    assert not leaks(bytes(flow.request.headers).decode(), KEY, "sk-proj-")
    assert flow.request.headers.get_all("x-note") == [
        f"a {fingerprint_key(KEY)}",
        fingerprint_key(KEY),
    ]
    assert flow.request.headers["X-Keep"] == "plain"


def test_scrub_leaves_fields_alone_without_a_secret() -> None:
    """Nothing to redact: the very same fields object stays in place."""
    flow = tflow.tflow()
    flow.request.headers = http.Headers([(b"Host", b"api.openai.com"), (b"Accept", b"*/*")])
    before = flow.request.headers.fields
    scrub_flow(flow)
    assert flow.request.headers.fields is before


def test_ids_are_version_4_uuids_spelled_as_uuid_spells_them() -> None:
    """Each id parses as a random (version 4, RFC 4122 variant) UUID and prints back as itself."""
    ids = [new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for made in ids:
        parsed = uuid.UUID(made)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed) == made


_HOST_HEADERS = st.one_of(
    st.none(),
    st.sampled_from(["api.openai.com", "API.OpenAI.com:443", "[::1]:8080", "b\u00fccher.de"]),
    st.text(st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=30),
)


@given(
    _HOST_HEADERS,
    st.sampled_from(["api.openai.com", "10.0.0.1", "example.org"]),
    st.sampled_from(["HTTP/1.1", "HTTP/2.0", "HTTP/3"]),
    st.sampled_from(["", "api.openai.com:443", "other.example"]),
)
def test_pretty_host_is_mitmproxys_asked_once_or_many_times(
    header: str | None, host: str, version: str, authority: str
) -> None:
    """The kept host is what `Request.pretty_host` gives, for any Host header, authority and
    HTTP version, first time or again, and also after the table was emptied for being full."""
    request = tflow.tflow().request
    request.host, request.http_version, request.authority = host, version, authority
    if header is None:
        request.headers.pop("Host", None)
    else:
        request.headers["Host"] = header
    expected = request.pretty_host
    assert pretty_host(request) == expected
    assert pretty_host(request) == expected
    flowdata._hosts.clear()
    flowdata._hosts.update({(str(n), "x"): "x" for n in range(flowdata._HOSTS_KEPT)})
    assert pretty_host(request) == expected
    assert len(flowdata._hosts) == 1
