"""Fixtures shared by the security tests: one authlens proxy per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness import ConnectRelay, ProxyFactory
from tests.security.kit import Run, start


@pytest.fixture(scope="module")
def run(
    make_module_proxy: ProxyFactory, relay: ConnectRelay, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Run]:
    """An authlens proxy (log file, flow file, HAR) shared by the module's tests."""
    lens = start(make_module_proxy, relay, tmp_path_factory.mktemp("run"))
    yield lens
    lens.stop()
