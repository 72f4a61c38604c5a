"""The runtimes authlens knows: what `env` sets for each, what `doctor` proves, and Node's limits.

One table, read by `env` (which files to write), `doctor` (which canaries to run), `check`
(which runtime a finding is about) and the README (`python -m authlens.tools.runtimes`
prints its table; a test keeps the two in step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Runtime:
    """One runtime: its `doctor --json` name, the clients its canaries run, and the README row."""

    name: str  # contract section 8: python, node, java, go, php, ruby, curl, wget
    label: str
    clients: tuple[str, ...]  # the canary clients, in the order doctor runs them
    env_sets: str  # README: what `authlens env` sets for it
    proves: str  # README: what `authlens doctor` proves with a canary


RUNTIMES: Final = (
    Runtime(
        "python",
        "Python",
        ("openai", "httpx", "requests", "urllib", "aiohttp"),
        "`HTTPS_PROXY`/`https_proxy`, `SSL_CERT_FILE` and `REQUESTS_CA_BUNDLE` (the combined "
        "bundle: they replace the trust store)",
        "each client reaches the proxy and trusts the CA; aiohttp only with "
        "`trust_env=True`; whether the raised error shows the hint",
    ),
    Runtime(
        "node",
        "Node",
        ("fetch", "https"),
        "`NODE_USE_ENV_PROXY=1`, `NODE_EXTRA_CA_CERTS` (the bare CA: it adds to the roots); "
        "says on stderr when the Node on PATH cannot honour the proxy variables",
        "fetch (22.21+, 24.0+) and `https` (22.21+, 24.5+) reach the proxy; older versions "
        "get the upgrade or the undici `EnvHttpProxyAgent` snippet",
    ),
    Runtime(
        "java",
        "Java",
        ("httpclient",),
        "`JAVA_TOOL_OPTIONS` with `-Dhttps.proxyHost/Port` and a PKCS12 truststore (the "
        "JDK's `cacerts` plus the CA, written with `keytool`)",
        "`java.net.http.HttpClient` reaches the proxy and trusts the truststore",
    ),
    Runtime(
        "go",
        "Go",
        ("net/http",),
        "`HTTPS_PROXY`, `SSL_CERT_FILE` (the combined bundle)",
        "`net/http`'s default client reaches the proxy and trusts the CA",
    ),
    Runtime(
        "php",
        "PHP",
        ("curl", "streams"),
        "`PHP_INI_SCAN_DIR` adding an ini with `curl.cainfo`, `openssl.cafile` and a default "
        "stream context through the proxy (`auto_prepend_file`)",
        "the curl extension and `file_get_contents` reach the proxy and trust the CA",
    ),
    Runtime(
        "ruby",
        "Ruby",
        ("net/http",),
        "lowercase `http_proxy` (Net::HTTP reads it, even for https, without a warning), "
        "`SSL_CERT_FILE`",
        "Net::HTTP reaches the proxy and trusts the CA",
    ),
    Runtime(
        "curl",
        "curl",
        ("curl",),
        "lowercase `https_proxy` wins over uppercase, so both are set; `CURL_CA_BUNDLE`",
        "curl reaches the proxy and trusts the CA",
    ),
    Runtime(
        "wget",
        "wget",
        ("wget",),
        "`WGETRC` (your `~/.wgetrc` plus `ca_certificate` and the proxy), lowercase `https_proxy`",
        "wget reaches the proxy and trusts the CA",
    ),
)
BY_NAME: Final = {runtime.name: runtime for runtime in RUNTIMES}

# Node's built-in proxy support (NODE_USE_ENV_PROXY=1): fetch since 24.0 and 22.21, the `https`
# module since 24.5 and 22.21 (https://nodejs.org/api/http.html#built-in-proxy-support).
type Ranges = tuple[tuple[tuple[int, int], tuple[int, int]], ...]
NODE_FETCH_PROXY: Final[Ranges] = (((22, 21), (23, 0)), ((24, 0), (999, 0)))
NODE_HTTPS_PROXY: Final[Ranges] = (((22, 21), (23, 0)), ((24, 5), (999, 0)))
UNDICI_SNIPPET: Final = (
    "import { EnvHttpProxyAgent, setGlobalDispatcher } from 'undici'; "
    "setGlobalDispatcher(new EnvHttpProxyAgent());"
)
AIOHTTP_SNIPPET: Final = "aiohttp.ClientSession(trust_env=True)"

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: str) -> tuple[int, int, int] | None:
    """The first `major.minor[.patch]` in `text` (`v22.21.1`, `openjdk version "17.0.15"`)."""
    match = _VERSION.search(text)
    if match is None:
        return None
    return int(match[1]), int(match[2]), int(match[3] or 0)


def in_ranges(version: tuple[int, int, int], ranges: Ranges) -> bool:
    return any(low <= version[:2] < high for low, high in ranges)


def node_honours_proxy(version: tuple[int, int, int], client: str) -> bool:
    """Whether Node `version` sends `client` (fetch, https) through HTTPS_PROXY by itself."""
    return in_ranges(version, NODE_HTTPS_PROXY if client == "https" else NODE_FETCH_PROXY)


def node_upgrade(version: tuple[int, int, int]) -> str:
    """The nearest Node release whose fetch and `https` honour NODE_USE_ENV_PROXY=1."""
    if version[0] <= 22:
        return "22.21"
    return "24.5"


def markdown_table() -> str:
    """The README's runtime table."""
    rows = "\n".join(
        f"| {r.label} | {', '.join(f'`{c}`' for c in r.clients)} | {r.env_sets} | {r.proves} |"
        for r in RUNTIMES
    )
    return (
        "| runtime | clients proven | `authlens env` sets | `authlens doctor` proves |\n"
        f"| --- | --- | --- | --- |\n{rows}\n"
    )


if __name__ == "__main__":
    print(markdown_table(), end="")
