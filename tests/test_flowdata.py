"""The one-pass header helpers of `proxy.flowdata` and `proxy.flowscrub`.

They replace mitmproxy's `Headers` methods on the hot path (benchmarks.md, fixes 1 and 2):
each must give what the mitmproxy method it replaces gives.
"""

from __future__ import annotations

import pytest
from mitmproxy import http
from mitmproxy.test import tflow

from authlens.credentials.credential import find_credentials
from authlens.credentials.keys import fingerprint_key
from authlens.proxy.flowdata import has_header, header_dict, header_text, set_headers
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
