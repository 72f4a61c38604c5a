"""Warnings about how exposed the proxy is: where it listens, who can read its CA key.

authlens sees every API key its clients send, and its CA can impersonate any site to a
client that trusts it. Listening beyond loopback without `proxyauth`, or a CA key others can
read, deserves a warning at startup. Pure: callers pass what mitmproxy was told.
"""

from __future__ import annotations

import ipaddress
import stat
from collections.abc import Iterable
from pathlib import Path

CA_KEY_FILE = "mitmproxy-ca.pem"  # mitmproxy's CA certificate and private key


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost; "" (every interface) is not loopback."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen_warnings(listen_hosts: Iterable[str], *, proxyauth: bool) -> list[str]:
    """One warning per non-loopback address the proxy listens on without `proxyauth`."""
    if proxyauth:
        return []  # others can reach it, but only with the password: the user chose that
    return [
        f"listening on {host or 'every interface'}, not only on 127.0.0.1, without proxyauth: "
        "anyone who can reach it can send traffic through it, and it sees the API keys "
        "sent; set --proxyauth user:pass, or listen with --listen-host 127.0.0.1."
        for host in dict.fromkeys(listen_hosts)
        if not is_loopback(host)
    ]


def ca_key_warning(confdir: Path) -> str | None:
    """A warning when the CA key in `confdir` can be read by other users (it should be 0600)."""
    key = confdir.expanduser() / CA_KEY_FILE
    try:
        mode = stat.S_IMODE(key.stat().st_mode)
    except OSError:
        return None
    if mode & 0o077 == 0:
        return None
    return (
        f"the CA key {key} has mode {mode:04o}: other users can read it and impersonate any "
        f"site to clients that trust this CA; run: chmod 600 {key}"
    )


def startup_warnings(listen_hosts: Iterable[str], *, proxyauth: bool, confdir: Path) -> list[str]:
    """Everything worth a warning when the proxy starts."""
    warnings = listen_warnings(listen_hosts, proxyauth=proxyauth)
    if ca_warning := ca_key_warning(confdir):
        warnings.append(ca_warning)
    return warnings
