"""Exposure: where the proxy listens and who can read its CA key (`authlens.proxy.exposure`)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from authlens.proxy.exposure import CA_KEY_FILE, ca_key_warning, is_loopback, listen_warnings
from tests.harness import Proxy, ProxyFactory, wait_for

WARNING = "not only on 127.0.0.1"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.53", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("", False),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    """Only loopback addresses count; "" means every interface in mitmproxy."""
    assert is_loopback(host) is loopback


def test_listen_warnings_without_proxyauth() -> None:
    """One warning per exposed address: what the exposure allows and the two ways out."""
    assert listen_warnings(["127.0.0.1", "::1", "localhost"], proxyauth=False) == []
    (warning,) = listen_warnings(["0.0.0.0", "0.0.0.0", "127.0.0.1"], proxyauth=False)
    assert warning == (
        "listening on 0.0.0.0, not only on 127.0.0.1, without proxyauth: anyone who can reach "
        "it can send traffic through it, and it sees the API keys sent; set --proxyauth "
        "user:pass, or listen with --listen-host 127.0.0.1."
    )
    (warning,) = listen_warnings([""], proxyauth=False)
    assert warning.startswith("listening on every interface, not only on 127.0.0.1,")


def test_listen_with_proxyauth_is_not_a_warning() -> None:
    """proxyauth is the answer the warning asks for: exposed addresses are then fine."""
    assert listen_warnings(["0.0.0.0", "", "192.168.1.10"], proxyauth=True) == []


@pytest.mark.parametrize(
    ("mode", "warned"), [(0o600, False), (0o400, False), (0o640, True), (0o644, True)]
)
def test_ca_key_warning(tmp_path: Path, mode: int, warned: bool) -> None:
    """A CA key readable by group or others is reported with the chmod to run."""
    key = tmp_path / CA_KEY_FILE
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    key.chmod(mode)
    warning = ca_key_warning(tmp_path)
    assert (warning is not None) is warned
    if warning:
        assert f"chmod 600 {key}" in warning


def test_missing_ca_key_is_not_a_warning(tmp_path: Path) -> None:
    """Before mitmproxy created its CA there is nothing to report."""
    assert ca_key_warning(tmp_path / "nothing-here") is None


def combined(proxy: Proxy) -> str:
    return proxy.stdout() + proxy.stderr()


@pytest.mark.e2e
def test_loopback_start_is_quiet_and_ca_key_is_private(tmp_path: Path, authority: object) -> None:
    """The default listen address gives no warning; the CA key mitmproxy created is 0600."""
    own_confdir = tmp_path / "fresh-conf"
    proxy = Proxy("mitmdump", [], tmp_path / "fresh", own_confdir, authority.pem)  # type: ignore[attr-defined]
    try:
        proxy.start()
        assert WARNING not in combined(proxy)
        assert stat.S_IMODE((own_confdir / CA_KEY_FILE).stat().st_mode) == 0o600
    finally:
        proxy.stop()


@pytest.mark.e2e
@pytest.mark.parametrize("launcher", ["mitmdump", "authlens"])
def test_listening_on_every_interface_warns(make_proxy: ProxyFactory, launcher: str) -> None:
    """--listen-host 0.0.0.0 (the user's choice wins) prints a warning naming proxyauth."""
    proxy = make_proxy(launcher, "--listen-host", "0.0.0.0")
    output = combined(proxy)
    assert WARNING in output
    assert "--proxyauth" in output


def loose_confdir(make_proxy: ProxyFactory, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of a confdir mitmproxy made, its CA key readable by all; and its upstream CA."""
    first = make_proxy("mitmdump")
    first.stop()
    loose = tmp_path / "loose-conf"
    loose.mkdir()
    for name in os.listdir(first.confdir):
        (loose / name).write_bytes((first.confdir / name).read_bytes())
    (loose / CA_KEY_FILE).chmod(0o644)
    return loose, first.upstream_ca


@pytest.mark.e2e
def test_every_interface_with_proxyauth_does_not_warn(
    make_proxy: ProxyFactory, tmp_path: Path
) -> None:
    """With --proxyauth, 0.0.0.0 gets no listen warning (the CA key warning marks the end)."""
    loose, upstream_ca = loose_confdir(make_proxy, tmp_path)
    args = ["--listen-host", "0.0.0.0", "--proxyauth", "user:pass"]
    proxy = Proxy("mitmdump", args, tmp_path / "auth", loose, upstream_ca)
    try:
        proxy.start()
        # Both warnings are logged in one pass at startup: the CA key's comes last.
        wait_for(lambda: "chmod 600" in combined(proxy) or None, 20, "no CA key warning at startup")
        assert WARNING not in combined(proxy)
    finally:
        proxy.stop()


@pytest.mark.e2e
def test_readable_ca_key_warns_at_start(make_proxy: ProxyFactory, tmp_path: Path) -> None:
    """A CA key copied with a loose mode is reported at startup."""
    loose, upstream_ca = loose_confdir(make_proxy, tmp_path)
    proxy = Proxy("mitmdump", [], tmp_path / "loose", loose, upstream_ca)
    try:
        proxy.start()
        assert f"chmod 600 {loose / CA_KEY_FILE}" in combined(proxy)
    finally:
        proxy.stop()
