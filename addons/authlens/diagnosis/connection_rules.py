"""Connection-level rules: nothing (or not all of it) went through (contract section 7).

`failures.py` turns what mitmproxy reported into an `Exchange.failure` of one kind; the rules
here turn each kind into a finding whose hint says what to change (for a client refusing our
certificate: what its runtime needs to trust the authlens CA). Pure: no mitmproxy here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from authlens.diagnosis.evidence import Evidence
from authlens.diagnosis.failures import (
    CLIENT_DISCONNECTED,
    CLIENT_TLS_FAILED,
    UPSTREAM_DISCONNECTED,
    UPSTREAM_TLS_FAILED,
    UPSTREAM_UNREACHABLE,
)
from authlens.diagnosis.hints import one_line, quote_snippet
from authlens.exchange import Finding, Side

CONFDIR = "~/.mitmproxy"  # mitmproxy's default; the running one comes with the failure
CA_NAME = "mitmproxy-ca-cert.pem"
BUNDLE_NAME = "authlens-ca-bundle.pem"  # what `authlens env` writes: system roots + the CA
# (user agent pattern, runtime); first match wins. Finer than client_runtime's families.
_AGENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)^curl/"), "curl"),
    (re.compile(r"(?i)python-requests/"), "requests"),
    (
        re.compile(r"(?i)^(async)?(azure)?openai/python|python-httpx/|aiohttp/|python-urllib/"),
        "httpx",
    ),
    (re.compile(r"(?i)^(azure)?openai/js|\bnode\b|node-fetch|undici|axios/|\bbun/|deno/"), "node"),
)
# runtime -> (its name in the hint, what to set); {ca} the bare CA, {bundle} roots + CA.
_ADVICE = {
    "curl": ("curl", "pass --cacert {ca} or set CURL_CA_BUNDLE={bundle}"),
    "requests": ("requests", "set REQUESTS_CA_BUNDLE={bundle}"),
    "httpx": ("Python (httpx/openai-python)", "set SSL_CERT_FILE={bundle}"),
    "python": (
        "Python",
        "set SSL_CERT_FILE={bundle} (httpx, openai, aiohttp, urllib) and "
        "REQUESTS_CA_BUNDLE={bundle} (requests)",
    ),
    "node": ("Node", "set NODE_EXTRA_CA_CERTS={ca} (added to Node's roots, read at startup)"),
    "java": (
        "Java",
        "Java reads no CA variable: add -Djavax.net.ssl.trustStore={dir}/"
        "authlens-truststore.p12 (the JDK's cacerts plus {ca}) to JAVA_TOOL_OPTIONS",
    ),
    "go": ("Go", "set SSL_CERT_FILE={bundle}"),
    "ruby": ("Ruby", "set SSL_CERT_FILE={bundle}"),
    "php": ("PHP", "set curl.cainfo and openssl.cafile to {bundle} in an ini of PHP_INI_SCAN_DIR"),
    "libcurl": (
        "curl or PHP's curl extension",
        "set CURL_CA_BUNDLE={bundle} (curl) or curl.cainfo={bundle} (PHP)",
    ),
    "wget": (
        "wget",
        "wget reads no CA variable: set ca_certificate = {bundle} in the file "
        "WGETRC names, or pass --ca-certificate={ca}",
    ),
}
_ANY_RUNTIME = (
    "set the CA variable of the client's runtime to {bundle}: SSL_CERT_FILE (Python, Go, "
    "Ruby), REQUESTS_CA_BUNDLE (requests), CURL_CA_BUNDLE (curl); for Node, "
    "NODE_EXTRA_CA_CERTS={ca}"
)
# A bundle, not the bare CA: SSL_CERT_FILE and friends replace the trust store.
_ENV = "; `authlens env` writes these files (bundle: system roots + CA) and prints the lines"


def ca_advice(
    request_headers: Mapping[str, str], runtime: str | None = None, ca_dir: str | None = None
) -> str:
    """What the client's runtime needs to trust the authlens CA: from its user agent, else
    from the runtime guessed at TLS time (`client_runtime`)."""
    agent = request_headers.get("user-agent", "")
    found = next((name for pattern, name in _AGENTS if pattern.search(agent)), None)
    if found is None and request_headers.get("x-stainless-lang", "").lower() == "python":
        found = "httpx"
    found = found or runtime
    directory = (ca_dir or CONFDIR).rstrip("/")
    paths = {
        "ca": f"{directory}/{CA_NAME}",
        "bundle": f"{directory}/{BUNDLE_NAME}",
        "dir": directory,
    }
    if found not in _ADVICE:
        return (_ANY_RUNTIME + _ENV).format(**paths)
    label, advice = _ADVICE[found]
    return f"the client looks like {label}: {advice.format(**paths)}{_ENV.format(**paths)}"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _connection(cause: str, hint: str) -> Finding:
    # Hosts and mitmproxy messages are quoted: keep the hint one printable ASCII line.
    return Finding(cause, _CONTROL.sub("?", one_line(hint)), Side.CONNECTION)


def _said(ev: Evidence) -> str:
    failure = ev.exchange.failure
    return f" (mitmproxy: {quote_snippet(failure.detail, 140)})" if failure else ""


def _kind_is(ev: Evidence, kind: str) -> bool:
    return ev.exchange.failure is not None and ev.exchange.failure.kind == kind


def upstream_unreachable(ev: Evidence) -> Finding | None:
    """DNS, connect or timeout failure towards the upstream."""
    if not _kind_is(ev, UPSTREAM_UNREACHABLE):
        return None
    return _connection(
        UPSTREAM_UNREACHABLE,
        f"authlens could not connect to {ev.exchange.host}{_said(ev)}: check the host name, "
        "DNS, firewall, and the upstream proxy given with --mode upstream:URL if any.",
    )


def upstream_tls_failed(ev: Evidence) -> Finding | None:
    """The upstream's certificate was refused (a corporate TLS proxy, a self-signed server)."""
    if not _kind_is(ev, UPSTREAM_TLS_FAILED):
        return None
    return _connection(
        UPSTREAM_TLS_FAILED,
        f"authlens refused the TLS certificate of {ev.exchange.host}{_said(ev)}: if a corporate "
        "TLS proxy sits in between, start authlens with "
        "--set ssl_verify_upstream_trusted_ca=/path/to/corporate-ca.pem.",
    )


def client_tls_failed(ev: Evidence) -> Finding | None:
    """The client refused the certificate authlens showed it: it does not trust our CA."""
    failure = ev.exchange.failure
    if failure is None or failure.kind != CLIENT_TLS_FAILED:
        return None
    return _connection(
        CLIENT_TLS_FAILED,
        f"The client did not accept the authlens certificate for {ev.exchange.host}; "
        f"{ca_advice(ev.exchange.request_headers, failure.runtime, failure.ca_dir)}.",
    )


def upstream_disconnected(ev: Evidence) -> Finding | None:
    """The upstream closed or reset the connection before its response was complete."""
    if not _kind_is(ev, UPSTREAM_DISCONNECTED):
        return None
    return _connection(
        UPSTREAM_DISCONNECTED,
        f"The connection to {ev.exchange.host} broke before the response was complete"
        f"{_said(ev)}; the client got a partial answer: retry, and check the upstream's status.",
    )


def client_disconnected(ev: Evidence) -> Finding | None:
    """The client went away before the response was complete."""
    if not _kind_is(ev, CLIENT_DISCONNECTED):
        return None
    return _connection(
        CLIENT_DISCONNECTED,
        f"The client closed the connection before the response was complete{_said(ev)}: "
        "check its timeout (OpenAI SDKs: timeout=, default 600 s) or whether it was cancelled.",
    )
