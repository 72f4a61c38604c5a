"""The official openai SDK through a real proxy: regular mode (HTTPS_PROXY) and reverse mode."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import openai
import pytest

from authlens.fake_openai import FakeOpenAI
from tests.harness import (
    ConnectRelay,
    Proxy,
    ProxyFactory,
    synthetic_key,
    upstream_args,
    wait_for,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def regular_proxy(make_module_proxy: ProxyFactory, relay: ConnectRelay) -> Proxy:
    return make_module_proxy("authlens", *upstream_args(relay))


@pytest.fixture(scope="module")
def reverse_proxy(make_module_proxy: ProxyFactory, fake: FakeOpenAI) -> Proxy:
    return make_module_proxy("authlens", "--mode", f"reverse:https://127.0.0.1:{fake.port}")


@pytest.fixture
def sdk_env(
    monkeypatch: pytest.MonkeyPatch, regular_proxy: Proxy, tmp_path: object
) -> Iterator[None]:
    """The environment a user sets for regular mode: the proxy and its CA, nothing else."""
    for name in ("OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", regular_proxy.url)
    monkeypatch.setenv("SSL_CERT_FILE", str(regular_proxy.ca_path))
    monkeypatch.setenv("SSL_CERT_DIR", str(regular_proxy.confdir))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(regular_proxy.ca_path))


def sdk_client(key: str, **kwargs: object) -> openai.OpenAI:
    return openai.OpenAI(api_key=key, max_retries=0, timeout=20, **kwargs)  # type: ignore[arg-type]


def test_regular_mode_bad_key_raises_with_hint(sdk_env: None, regular_proxy: Proxy) -> None:
    """A rejected key raises AuthenticationError carrying the hint, the cause and the log id."""
    bad_key = synthetic_key()
    with pytest.raises(openai.AuthenticationError) as caught:
        sdk_client(bad_key).chat.completions.create(model="gpt-4o-mini", messages=[])
    error = caught.value
    assert "[authlens: " in str(error)
    headers = error.response.headers
    assert headers["x-authlens-cause"] == "invalid_api_key"
    assert headers["x-authlens-hint"].isascii()
    assert headers["x-authlens-hint"] in str(error)
    line = regular_proxy.log_line(headers["x-authlens-id"])
    assert line["cause"] == "invalid_api_key"
    assert line["hint"] == headers["x-authlens-hint"]
    assert line["host"] == "api.openai.com"
    assert line["sdk"] == f"openai-python {openai.__version__}"


def test_regular_mode_good_key_body_untouched(
    sdk_env: None, regular_proxy: Proxy, fake: FakeOpenAI, good_key: str
) -> None:
    """A success reaches the SDK byte for byte as the upstream sent it, with only our id added."""
    raw = sdk_client(good_key).chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    response = raw.http_response
    assert response.status_code == 200
    assert response.content == fake.bodies_sent[response.headers["x-request-id"]]
    assert raw.parse().choices[0].message.content == "Hello from the fake OpenAI."
    assert "x-authlens-cause" not in response.headers
    line = regular_proxy.log_line(response.headers["x-authlens-id"])
    assert (line["status"], line["cause"], line["model"]) == (200, None, "gpt-4o-mini")


def test_regular_mode_stream_arrives_chunk_by_chunk(
    sdk_env: None, regular_proxy: Proxy, fake: FakeOpenAI, good_key: str
) -> None:
    """Events reach the SDK as the upstream sends them (5 chunks 300 ms apart), not at the end."""
    stream = sdk_client(good_key).chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        extra_headers={"X-Fake-Stream-Chunks": "5", "X-Fake-Stream-Delay": "0.3"},
    )
    arrivals = []
    texts = []
    for chunk in stream:
        arrivals.append(time.monotonic())
        texts.append(chunk.choices[0].delta.content)
    request_id = stream.response.headers["x-request-id"]
    sent = [t for rid, _, t in fake.chunks_sent if rid == request_id]
    assert texts == [f"chunk {i} " for i in range(5)]
    # The first event arrived while the upstream still had >= 0.9 s of events to send.
    assert arrivals[0] < sent[-1] - 0.6
    assert arrivals[-1] - arrivals[0] > 0.6
    line = wait_for(
        lambda: next(
            (e for e in regular_proxy.log_lines() if e["upstream_request_id"] == request_id), None
        ),
        10,
        "no log line for the stream",
    )
    assert (line["stream"], line["status"], line["cause"]) == (True, 200, None)


def test_regular_mode_stream_carries_exchange_id(
    sdk_env: None, regular_proxy: Proxy, good_key: str
) -> None:
    """A streamed response also carries X-Authlens-Id, equal to its log line's id."""
    stream = sdk_client(good_key).chat.completions.create(
        model="gpt-4o-mini", messages=[], stream=True, extra_headers={"X-Fake-Stream-Chunks": "2"}
    )
    for _ in stream:
        pass
    headers = stream.response.headers
    assert "x-authlens-id" in headers, "streamed response has no X-Authlens-Id"
    line = regular_proxy.log_line(headers["x-authlens-id"])
    assert line["upstream_request_id"] == headers["x-request-id"]


def test_reverse_mode_bad_and_good_key(
    reverse_proxy: Proxy, fake: FakeOpenAI, good_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With base_url at the proxy, a bad key gets the hint and a good key works."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    base_url = f"{reverse_proxy.url}/v1"
    with pytest.raises(openai.AuthenticationError) as caught:
        sdk_client(synthetic_key(), base_url=base_url).models.list()
    headers = caught.value.response.headers
    assert headers["x-authlens-cause"] == "invalid_api_key"
    assert "[authlens: " in str(caught.value)
    assert reverse_proxy.log_line(headers["x-authlens-id"])["cause"] == "invalid_api_key"

    raw = sdk_client(good_key, base_url=base_url).models.with_raw_response.list()
    response: httpx.Response = raw.http_response
    assert response.status_code == 200
    assert response.content == fake.bodies_sent[response.headers["x-request-id"]]
    assert [m.id for m in raw.parse()][:1] == ["gpt-4o-mini"]
    line = reverse_proxy.log_line(response.headers["x-authlens-id"])
    assert (line["status"], line["host"], line["path"]) == (200, "127.0.0.1", "/v1/models")
