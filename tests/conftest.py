"""Shared fixtures: one TLS fake OpenAI, one CONNECT relay, and real proxies to start.

The fake, the relay, the test CA and mitmproxy's confdir (its CA) are shared by the whole
session; tests tell their requests apart by the ids the proxy puts on them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mitmproxy.test import taddons

from authlens.fake_openai import FakeOpenAI
from authlens.proxy.addon import AuthLens
from tests.dockerfiles import GOOD_KEY, run_compose
from tests.harness import (
    ConnectRelay,
    Proxy,
    ProxyFactory,
    TestAuthority,
    clean_env,
    synthetic_key,
)


@pytest.fixture(scope="session")
def e2e_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def authority(e2e_dir: Path) -> TestAuthority:
    return TestAuthority(e2e_dir)


@pytest.fixture(scope="session")
def good_key() -> str:
    return synthetic_key()


@pytest.fixture(scope="session")
def fake(authority: TestAuthority, good_key: str) -> Iterator[FakeOpenAI]:
    """The TLS fake OpenAI, with a certificate for api.openai.com, Azure, localhost, 127.0.0.1."""
    server = FakeOpenAI([good_key], ssl_context=authority.server_context()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def relay(fake: FakeOpenAI) -> Iterator[ConnectRelay]:
    tunnel = ConnectRelay(fake.port)
    yield tunnel
    tunnel.close()


@pytest.fixture(scope="session")
def confdir(e2e_dir: Path) -> Path:
    """mitmproxy's confdir, shared so its CA is generated once."""
    return e2e_dir / "mitmproxy-conf"


def _factory(
    base: Path, confdir: Path, authority: TestAuthority, started: list[Proxy]
) -> ProxyFactory:
    def make(
        launcher: str,
        *args: str,
        env: dict[str, str] | None = None,
        start: bool = True,
    ) -> Proxy:
        proxy = Proxy(
            launcher=launcher,
            args=args,
            workdir=base / f"proxy{len(started)}-{launcher}",
            confdir=confdir,
            upstream_ca=authority.pem,
            env=env if env is not None else clean_env(),
        )
        started.append(proxy)
        if start:
            proxy.start()
        else:
            proxy.launch()
        return proxy

    return make


@pytest.fixture
def make_proxy(tmp_path: Path, confdir: Path, authority: TestAuthority) -> Iterator[ProxyFactory]:
    """Start proxies for one test; every one is terminated afterwards."""
    started: list[Proxy] = []
    yield _factory(tmp_path, confdir, authority, started)
    for proxy in started:
        proxy.stop()


@pytest.fixture(scope="module")
def make_module_proxy(
    tmp_path_factory: pytest.TempPathFactory, confdir: Path, authority: TestAuthority
) -> Iterator[ProxyFactory]:
    """Like `make_proxy`, for proxies shared by a module's tests."""
    started: list[Proxy] = []
    yield _factory(tmp_path_factory.mktemp("proxies"), confdir, authority, started)
    for proxy in started:
        proxy.stop()


# docker-compose.yml resolved once for the compose tests (static and live).
@pytest.fixture(scope="session")
def empty_env_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compose") / "empty.env"
    path.write_text("")
    return path


@pytest.fixture(scope="session")
def services(empty_env_file: Path) -> dict[str, Any]:
    """The resolved services of every profile, with a synthetic OPENAI_API_KEY."""
    args = ("--profile", "reverse", "config", "--format", "json")
    result = run_compose(empty_env_file, *args, env={"OPENAI_API_KEY": GOOD_KEY})
    assert result.returncode == 0, result.stderr
    resolved: dict[str, Any] = json.loads(result.stdout)
    assert set(resolved["volumes"]) == {"authlens-ca", "authlens-logs"}
    return dict(resolved["services"])


# The addon under mitmproxy's test helpers, logging to a file (tests/test_addon.py and friends).
@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "authlens.jsonl"


@pytest.fixture
def make_addon(log_path: Path) -> Iterator[Callable[..., AuthLens]]:
    """AuthLens under mitmproxy's test context, logging to `log_path`, with more options."""
    with contextlib.ExitStack() as contexts:

        def make(**options: Any) -> AuthLens:
            lens = AuthLens()
            tctx = contexts.enter_context(taddons.context(lens))
            tctx.configure(
                lens, authlens_log_stdout="false", authlens_log_file=str(log_path), **options
            )
            return lens

        yield make


@pytest.fixture
def addon(make_addon: Callable[..., AuthLens]) -> AuthLens:
    return make_addon()
