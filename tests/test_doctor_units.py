"""The pure parts behind doctor, env and client_tls_failed: runtime recognition from measured
handshakes, project detection, Node's proxy support, canary verdicts, the README table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authlens.diagnosis.client_runtime import ClientFacts, guess_runtime
from authlens.tools import runtimes
from authlens.tools.runtimes_canary import read_outcome
from authlens.tools.runtimes_detect import project_runtimes
from authlens.tools.runtimes_shell import shell_of_process

ROOT = Path(__file__).resolve().parent.parent

# What each real client showed a mitmproxy 12 proxy on Debian 12 (tests/runtimes/ proves the
# end-to-end result): CONNECT header names, user agent, ALPN, ClientHello extension types.
MEASURED = [
    (
        "curl",
        ("Host", "User-Agent", "Proxy-Connection"),
        "curl/7.88.1",
        ("h2", "http/1.1"),
        (0, 11, 10, 16, 22, 23, 49, 13, 43, 45, 51, 21),
    ),
    (
        "wget",
        ("User-Agent", "Host"),
        "Wget/1.21.3",
        (),
        (5, 10, 11, 13, 35, 51, 43, 49, 65281, 0, 45, 28, 21),
    ),
    (
        "python",
        ("Host", "Accept"),
        None,
        ("http/1.1",),
        (0, 11, 10, 35, 16, 22, 23, 13, 43, 45, 51, 21),
    ),
    ("python", ("Host",), None, ("http/1.1",), (0, 11, 10, 16, 22, 23, 49, 13, 43, 45, 51, 21)),
    (
        "python",
        ("Host", "Accept", "Accept-Encoding", "User-Agent"),
        "Python/3.13 aiohttp/3.14.5",
        ("http/1.1",),
        (0, 11, 10, 35, 16, 22, 23, 13, 43, 45, 51, 21),
    ),
    (
        "node",
        ("host", "connection"),
        None,
        ("http/1.1",),
        (65281, 0, 11, 10, 35, 16, 22, 23, 13, 43, 45, 51),
    ),
    (
        "node",
        ("proxy-connection", "host"),
        None,
        (),
        (65281, 0, 11, 10, 35, 22, 23, 13, 43, 45, 51),
    ),
    (
        "java",
        ("Host",),
        None,
        ("h2", "http/1.1"),
        (0, 5, 10, 11, 16, 17, 23, 35, 13, 43, 45, 50, 51),
    ),
    (
        "go",
        ("Host", "User-Agent"),
        "Go-http-client/1.1",
        ("h2", "http/1.1"),
        (0, 5, 10, 11, 13, 65281, 16, 18, 43, 51),
    ),
    (
        "libcurl",
        ("Host", "Proxy-Connection"),
        None,
        ("h2", "http/1.1"),
        (0, 11, 10, 16, 22, 23, 49, 13, 43, 45, 51, 21),
    ),
    ("php", (), None, (), (0, 11, 10, 35, 22, 23, 13, 21)),
    ("ruby", ("Host",), None, (), (0, 11, 10, 35, 22, 23, 49, 13, 43, 45, 51, 21)),
]


@pytest.mark.parametrize(
    ("runtime", "headers", "agent", "alpn", "extensions"),
    MEASURED,
    ids=[f"{m[0]}-{i}" for i, m in enumerate(MEASURED)],
)
def test_measured_handshakes_are_recognised(
    runtime: str,
    headers: tuple[str, ...],
    agent: str | None,
    alpn: tuple[str, ...],
    extensions: tuple[int, ...],
) -> None:
    assert guess_runtime(ClientFacts(headers, agent, alpn, extensions, True)) == runtime


def test_without_agent_or_handshake_nothing_is_guessed() -> None:
    """Reverse mode, no CONNECT and no ClientHello seen: no guess (the hint names them all)."""
    assert guess_runtime(ClientFacts()) is None
    assert guess_runtime(ClientFacts(("Host",))) is None


def test_node_case_is_decided_by_header_case_whatever_the_names() -> None:
    """Any lower-case header set (a proxy agent adding its own) is Node's."""
    assert guess_runtime(ClientFacts(("host", "proxy-authorization", "x-anything"))) == "node"


@pytest.mark.parametrize(
    ("version", "fetch", "https"),
    [
        ((20, 20, 2), False, False),
        ((22, 20, 0), False, False),
        ((22, 21, 0), True, True),
        ((23, 11, 0), False, False),
        ((24, 0, 0), True, False),
        ((24, 4, 1), True, False),
        ((24, 5, 0), True, True),
        ((25, 2, 0), True, True),
    ],
)
def test_node_proxy_support_boundaries(
    version: tuple[int, int, int], fetch: bool, https: bool
) -> None:
    """https://nodejs.org/api/http.html#built-in-proxy-support (and the issue's measurements)."""
    assert runtimes.node_honours_proxy(version, "fetch") is fetch
    assert runtimes.node_honours_proxy(version, "https") is https


def test_versions_parse_from_every_runtime_banner() -> None:
    banners = {
        'openjdk version "17.0.15" 2025-04-15': (17, 0, 15),
        "v22.21.1": (22, 21, 1),
        "go version go1.19.8 linux/amd64": (1, 19, 8),
        "GNU Wget 1.21.3 built": (1, 21, 3),
        "3.1.2": (3, 1, 2),
        "curl 7.88.1 (x86_64-pc-linux-gnu)": (7, 88, 1),
    }
    assert {b: runtimes.parse_version(b) for b in banners} == banners


@pytest.mark.parametrize(
    ("status", "canary", "error", "verdict"),
    [
        (401, "n1", "x [authlens: hint]", (True, True, True)),
        (401, "n1", "401 Client Error", (True, True, False)),
        (401, None, "answered by another proxy", (False, False, False)),
        (
            None,
            None,
            "SSL: CERTIFICATE_VERIFY_FAILED self-signed certificate",
            (True, False, False),
        ),
        (None, None, "PKIX path building failed", (True, False, False)),
        (None, None, "getaddrinfo ENOTFOUND authlens-canary.api.openai.com", (False, False, False)),
    ],
)
def test_canary_verdict(
    status: int | None, canary: str | None, error: str, verdict: tuple[bool, bool, bool]
) -> None:
    """Our nonce back: reached and trusted; a certificate refused: reached, not trusted (the
    canary host resolves nowhere else); anything else: not reached."""
    result = read_outcome("n1", status, canary, error)
    assert (result.reaches_proxy, result.trusts_ca, result.hint_seen) == verdict


def test_project_detection(tmp_path: Path) -> None:
    """Files, not code: deps and lockfiles choose the clients to prove."""
    (tmp_path / "pyproject.toml").write_text('dependencies = ["httpx>=0.27", "aiohttp[speedups]"]')
    (tmp_path / "package.json").write_text(
        json.dumps(
            {"dependencies": {"axios": "1"}, "scripts": {"start": "node --env-file=.env a.js"}}
        )
    )
    (tmp_path / "build.gradle.kts").write_text("")
    (tmp_path / "Makefile").write_text("fetch:\n\twget -q https://example.com\n")
    found = {r.name: r for r in project_runtimes(tmp_path)}
    assert list(found) == ["python", "node", "java", "wget"]
    assert found["python"].clients == ["httpx", "aiohttp", "urllib"]
    assert found["node"].clients == ["fetch", "https"]
    assert "at startup only" in found["node"].notes[0]


@pytest.mark.parametrize(
    ("name", "syntax"),
    [
        ("bash", "bash"),
        ("-zsh", "zsh"),
        ("fish", "fish"),
        ("pwsh", "powershell"),
        ("dash", "bash"),
        ("python3", None),
    ],
)
def test_shell_of_process(name: str, syntax: str | None) -> None:
    assert shell_of_process(name) == syntax


def test_readme_runtime_table_is_generated() -> None:
    """README.md carries exactly `python -m authlens.tools.runtimes` between its markers."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- runtimes:start -->\n", 1)[1].split("<!-- runtimes:end -->", 1)[0]
    assert block == runtimes.markdown_table()
