"""httpx and curl through a real proxy: request-side causes, encoded bodies, pass-through."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

import brotli  # type: ignore[import-untyped]
import httpx
import orjson
import pytest
from backports import zstd

from authlens.fake_openai import MISSING_KEY_MESSAGE, FakeOpenAI, Reply
from tests.harness import ConnectRelay, Proxy, ProxyFactory, curl, synthetic_key, upstream_args

pytestmark = pytest.mark.e2e

API = "https://api.openai.com/v1/chat/completions"
CHAT = orjson.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
HTML_401 = (
    b"<html><head><title>401 Authorization Required</title></head>\r\n<body>nginx</body></html>\r\n"
)
DECODERS = {
    "gzip": gzip.decompress,
    "deflate": zlib.decompress,
    "br": brotli.decompress,
    "zstd": zstd.decompress,
}


@pytest.fixture(scope="module")
def proxy(make_module_proxy: ProxyFactory, relay: ConnectRelay) -> Proxy:
    return make_module_proxy("authlens", *upstream_args(relay))


@pytest.fixture(scope="module")
def client(proxy: Proxy) -> Iterator[httpx.Client]:
    with proxy.client() as c:
        yield c


def error_of(body: bytes) -> dict[str, object]:
    error = orjson.loads(body)["error"]
    assert isinstance(error, dict)
    return error


@pytest.mark.parametrize(
    ("authorization", "cause"),
    [
        (None, "missing_credentials"),
        ("Basic dXNlcjpwYXNzd29yZA==", "wrong_auth_scheme"),
    ],
)
def test_httpx_request_side_causes(
    client: httpx.Client, proxy: Proxy, authorization: str | None, cause: str
) -> None:
    """OpenAI's generic "no API key" 401 is explained by what the request carried."""
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization
    response = client.post(API, content=CHAT, headers=headers)
    assert response.status_code == 401
    assert response.headers["x-authlens-cause"] == cause
    error = error_of(response.content)
    hint = response.headers["x-authlens-hint"]
    assert error["authlens"] == {
        "cause": cause,
        "hint": hint,
        "id": response.headers["x-authlens-id"],
        "key": None if authorization is None else error["authlens"]["key"],  # type: ignore[index]
    }
    # The upstream's message is kept as it was, with the hint appended.
    assert error["message"] == f"{MISSING_KEY_MESSAGE} [authlens: {hint}]"
    assert proxy.log_line(response.headers["x-authlens-id"])["cause"] == cause


def test_curl_empty_bearer_is_empty_key(proxy: Proxy, tmp_path: Path) -> None:
    """curl can send `Authorization: Bearer ` with nothing after it: `empty_key`."""
    result = curl(
        proxy, API, "-H", "Authorization: Bearer ", "--data-binary", CHAT.decode(), tmp=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.status == 401
    assert result.headers["x-authlens-cause"] == "empty_key"
    assert error_of(result.body)["authlens"]["cause"] == "empty_key"  # type: ignore[index]


@pytest.mark.parametrize(
    ("extra", "cause"),
    [
        (("-H", "OpenAI-Organization: org-someoneelse000000000"), "organization_mismatch"),
        (("-H", "OpenAI-Project: proj_someoneelse0000000000"), "project_mismatch"),
    ],
)
def test_curl_upstream_side_causes(
    proxy: Proxy, good_key: str, tmp_path: Path, extra: tuple[str, ...], cause: str
) -> None:
    """A good key with the wrong organization or project gets the upstream's specific cause."""
    result = curl(
        proxy,
        API,
        "-H",
        f"Authorization: Bearer {good_key}",
        *extra,
        "-H",
        "content-type: application/json",
        "--data-binary",
        CHAT.decode(),
        tmp=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (result.status, result.headers["x-authlens-cause"]) == (401, cause)
    line = proxy.log_line(result.headers["x-authlens-id"])
    assert line["cause"] == cause
    assert (
        line["organization" if "Organization" in extra[1] else "project"] == extra[1].split(": ")[1]
    )


@pytest.mark.parametrize("encoding", sorted(DECODERS))
def test_encoded_error_body_is_annotated_and_decodable(client: httpx.Client, encoding: str) -> None:
    """A compressed JSON error comes back annotated, in the same encoding, with a right length."""
    headers = {"authorization": f"Bearer {synthetic_key()}", "x-fake-encoding": encoding}
    with client.stream("POST", API, content=CHAT, headers=headers) as response:
        raw = b"".join(response.iter_raw())
    assert response.status_code == 401
    assert response.headers["content-encoding"] == encoding
    assert int(response.headers["content-length"]) == len(raw)
    error = error_of(DECODERS[encoding](raw))
    assert error["code"] == "invalid_api_key"
    assert error["authlens"]["cause"] == response.headers["x-authlens-cause"] == "invalid_api_key"  # type: ignore[index]
    assert str(error["message"]).endswith(f" [authlens: {response.headers['x-authlens-hint']}]")


def test_html_error_body_passes_byte_for_byte(client: httpx.Client, fake: FakeOpenAI) -> None:
    """A non-JSON 401 (an nginx page) is diagnosed in headers but its body is not touched."""
    fake.add_reply(
        "nginx_401", Reply(401, HTML_401, (("content-type", "text/html"),), request_id=False)
    )
    response = client.post(
        API,
        content=CHAT,
        headers={"authorization": f"Bearer {synthetic_key()}", "x-fake-reply": "nginx_401"},
    )
    assert response.status_code == 401
    assert response.content == HTML_401
    assert int(response.headers["content-length"]) == len(HTML_401)
    assert "x-authlens-cause" in response.headers
    assert "x-authlens-id" in response.headers


def test_client_request_id_is_kept(
    client: httpx.Client, proxy: Proxy, fake: FakeOpenAI, good_key: str
) -> None:
    """A client's X-Client-Request-Id reaches the upstream unchanged and is logged."""
    mine = "3f0c2b9e-client-chosen-id"
    response = client.post(
        API,
        content=CHAT,
        headers={"authorization": f"Bearer {good_key}", "x-client-request-id": mine},
    )
    assert response.status_code == 200
    received = [r for r in fake.requests if r.header("x-client-request-id") == mine]
    assert len(received) == 1
    assert proxy.log_line(response.headers["x-authlens-id"])["client_request_id"] == mine


def test_client_request_id_is_added(
    client: httpx.Client, proxy: Proxy, fake: FakeOpenAI, good_key: str
) -> None:
    """Without one, the upstream receives authlens's exchange id as X-Client-Request-Id."""
    response = client.post(API, content=CHAT, headers={"authorization": f"Bearer {good_key}"})
    exchange_id = response.headers["x-authlens-id"]
    received = [r for r in fake.requests if r.header("x-client-request-id") == exchange_id]
    assert len(received) == 1
    assert received[0].header("authorization") == f"Bearer {good_key}"
    assert proxy.log_line(exchange_id)["client_request_id"] == exchange_id
