"""Does a NO_PROXY list send a host around the proxy? The rule `check`, `env` and the probe use.

Python's `urllib.request.proxy_bypass_environment` does the common part: entries split on
commas and stripped, case folded, `example.com` and `.example.com` both covering the domain
and its subdomains (never `notexample.com`), an entry with a port covering only that port.
Three cases are added on top, because clients that send OpenAI traffic bypass the proxy there
while urllib says they do not, and a NO_PROXY that sends the API around authlens must be
found (tests/test_noproxy.py holds the table, urllib's answers included):

- `*` as one entry of a list (`localhost,*`): httpx (the openai Python SDK) and Go treat it as
  "everything"; urllib only a NO_PROXY that is exactly `*`.
- `*.example.com`: Go and Node's undici read it as `.example.com`; urllib matches it literally.
- An IP host inside a CIDR entry (`10.0.0.0/8`): curl, Go, httpx and requests match it;
  urllib compares strings.
"""

from __future__ import annotations

import ipaddress

# Public in urllib.request since Python 2 (what `urllib.request.proxy_bypass` uses on Linux),
# but not in typeshed's stubs.
from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]

HTTPS_PORT = 443


def bypasses(no_proxy: str, host: str, port: int = HTTPS_PORT) -> bool:
    """True when a client would not use the proxy for `host:port` under this NO_PROXY."""
    entries = [entry.strip() for entry in no_proxy.split(",") if entry.strip()]
    if "*" in entries or in_a_network(entries, host):
        return True
    names = ",".join(entry.removeprefix("*") for entry in entries)  # "*.x" is urllib's ".x"
    return bool(proxy_bypass_environment(f"{host}:{port}", {"no": names}))


def in_a_network(entries: list[str], host: str) -> bool:
    """True when `host` is an IP address inside one of the CIDR entries."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False  # a name: clients never resolve it to compare with networks
    for entry in entries:
        if "/" not in entry:
            continue
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # not a network: no client matches it either
    return False
