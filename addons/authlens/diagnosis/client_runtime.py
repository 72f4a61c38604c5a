"""Which runtime a client is, from what its CONNECT and TLS ClientHello show (no HTTP yet).

When a client refuses our certificate no request is ever sent, so the user agent is all the
CONNECT may give, and most clients send none. The ClientHello and the CONNECT's header
names tell the rest, by structure rather than by exact fingerprint (cipher lists change with
every OpenSSL build):
- Node (undici and `http`) writes header names in lower case and puts renegotiation_info
  (65281) first in its ClientHello;
- Java (JSSE) sends status_request_v2 (17) and signature_algorithms_cert (50);
- Go's crypto/tls sends the SCT extension (18) and no encrypt_then_mac (22);
- libcurl (curl, PHP's curl extension) offers ALPN h2 and http/1.1 with post_handshake_auth;
- Python's ssl offers ALPN http/1.1 alone (urllib3, httpx, http.client, aiohttp);
- PHP streams send no TLS 1.3 supported_versions (43) and a CONNECT without headers;
- Ruby's OpenSSL sends no ALPN.
Measured with Debian 12's runtimes (tests/runtimes/); a guess, and the hint says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_AGENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)^curl/"), "curl"),
    (re.compile(r"(?i)^wget/"), "wget"),
    (re.compile(r"(?i)^go-http-client/"), "go"),
    (re.compile(r"(?i)python|aiohttp|httpx|urllib"), "python"),
    (re.compile(r"(?i)\bjava\b|^apache-httpclient|okhttp"), "java"),
    (re.compile(r"(?i)\bnode\b|undici|axios|node-fetch|^openai/js"), "node"),
    (re.compile(r"(?i)\bruby\b"), "ruby"),
    (re.compile(r"(?i)\bphp\b|guzzle"), "php"),
)
_RENEGOTIATION_INFO = 65281
_STATUS_REQUEST_V2 = 17
_SIGNATURE_ALGORITHMS_CERT = 50
_SCT = 18
_ENCRYPT_THEN_MAC = 22
_SUPPORTED_VERSIONS = 43
_POST_HANDSHAKE_AUTH = 49


@dataclass(frozen=True, slots=True)
class ClientFacts:
    """What a client showed before any HTTP request: its CONNECT and its ClientHello."""

    connect_headers: tuple[str, ...] = ()  # header names as sent, in order
    user_agent: str | None = None
    alpn: tuple[str, ...] = ()
    extensions: tuple[int, ...] = ()
    hello_seen: bool = False


def from_agent(user_agent: str | None) -> str | None:
    for pattern, runtime in _AGENTS:
        if user_agent and pattern.search(user_agent):
            return runtime
    return None


def from_hello(facts: ClientFacts) -> str | None:
    """The runtime the handshake's structure points at, or None."""
    ext = set(facts.extensions)
    if facts.connect_headers and all(n == n.lower() for n in facts.connect_headers):
        return "node"
    if not facts.hello_seen:
        return None
    if facts.extensions[:1] == (_RENEGOTIATION_INFO,):
        return "node"
    if {_STATUS_REQUEST_V2, _SIGNATURE_ALGORITHMS_CERT} <= ext:
        return "java"
    if _SCT in ext and _ENCRYPT_THEN_MAC not in ext:
        return "go"
    if _SUPPORTED_VERSIONS not in ext and not facts.alpn and not facts.connect_headers:
        return "php"
    if facts.alpn == ("h2", "http/1.1") and _POST_HANDSHAKE_AUTH in ext:
        return "libcurl"
    if facts.alpn == ("http/1.1",):
        return "python"
    if not facts.alpn and _SUPPORTED_VERSIONS in ext:
        return "ruby"
    return None


def guess_runtime(facts: ClientFacts) -> str | None:
    """`python`, `node`, `java`, `go`, `php`, `ruby`, `curl`, `wget`, `libcurl` or None."""
    return from_agent(facts.user_agent) or from_hello(facts)
