"""NO_PROXY matching: one table of the cases clients disagree on, with urllib's answers.

`ours` is what `bypasses` must answer; `urllib` is what `proxy_bypass_environment` alone
answers for the same host and port. Where the two differ, the row says which clients bypass
the proxy there: those are the cases `authlens.tools.noproxy` adds on top of urllib, and this
table fails if urllib's behaviour changes under us.
"""

from __future__ import annotations

from urllib.request import proxy_bypass_environment

import pytest

from authlens.tools.noproxy import bypasses

API = "api.openai.com"

CASES = [
    # (NO_PROXY, host, port, ours, urllib, why)
    ("api.openai.com", API, 443, True, True, "exact host"),
    ("API.OpenAI.COM", API, 443, True, True, "case folded"),
    ("openai.com", API, 443, True, True, "domain covers its subdomains"),
    (".openai.com", API, 443, True, True, "leading dot: subdomains"),
    (".openai.com", "openai.com", 443, True, True, "leading dot: the domain too (curl, undici)"),
    ("openai.com", "openai.com", 443, True, True, "domain itself"),
    ("notopenai.com", API, 443, False, False, "a suffix only at a dot"),
    ("penai.com", API, 443, False, False, "a suffix only at a dot"),
    ("*", API, 443, True, True, "everything"),
    (" * ", API, 443, True, False, "everything, spaced (Go, httpx strip entries)"),
    ("localhost,*", API, 443, True, False, "* in a list: everything for httpx and Go"),
    ("*.openai.com", API, 443, True, False, "*.domain: .domain for Go and undici"),
    (" localhost , 127.0.0.1 ,  API.openai.com ", API, 443, True, True, "spaces around entries"),
    ("api.openai.com:443", API, 443, True, True, "port that matches"),
    ("api.openai.com:8443", API, 443, False, False, "another port"),
    ("openai.com:443", API, 443, True, True, "domain with the port"),
    ("127.0.0.1", "127.0.0.1", 8080, True, True, "IPv4 exact"),
    ("::1", "::1", 8080, True, True, "IPv6 exact"),
    ("127.0.0.0/8", "127.0.0.1", 8080, True, False, "CIDR: curl, Go, httpx, requests"),
    ("fd00::/8", "fd00::5", 443, True, False, "IPv6 CIDR: curl, Go, httpx"),
    ("10.0.0.0/8", "192.168.1.5", 443, False, False, "outside the network"),
    ("10.0.0.0/8", API, 443, False, False, "names are never resolved to match a network"),
    ("localhost,127.0.0.1", API, 443, False, False, "loopback only"),
    ("", API, 443, False, False, "empty"),
]


@pytest.mark.parametrize(("no_proxy", "host", "port", "ours", "urllib", "why"), CASES)
def test_no_proxy_table(
    no_proxy: str, host: str, port: int, ours: bool, urllib: bool, why: str
) -> None:
    """`bypasses` answers `ours`; urllib alone answers `urllib` (the deviations are listed)."""
    assert bypasses(no_proxy, host, port) is ours, why
    assert bool(proxy_bypass_environment(f"{host}:{port}", {"no": no_proxy})) is urllib, why
