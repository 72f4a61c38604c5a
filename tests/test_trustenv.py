"""The settings `authlens env` prints: a combined bundle and each shell's quoting."""

from __future__ import annotations

from pathlib import Path

import pytest

from authlens.tools.runtimes_env import SAVED, saved_state, undo_lines
from authlens.tools.trustenv import (
    Setting,
    client_settings,
    combined_bundle,
    merged_no_proxy,
    render_line,
    render_unset,
    system_trust,
)

CA = b"-----BEGIN CERTIFICATE-----\nMIIca\n-----END CERTIFICATE-----\n"


def test_combined_bundle_keeps_the_roots_and_adds_the_ca_once() -> None:
    """Roots first, the CA after; running it again adds nothing."""
    once = combined_bundle(b"ROOTS\n", CA)
    assert once.startswith(b"ROOTS\n")
    assert once.endswith(CA)
    assert combined_bundle(once, CA) == once


@pytest.mark.parametrize(
    ("shell", "line"),
    [
        ("bash", "export A='it'\\''s'"),
        ("zsh", "export A='it'\\''s'"),
        ("fish", "set -gx A 'it\\'s'"),
        ("powershell", "$env:A = 'it''s'"),
        ("dotenv", 'A="it\'s"'),
    ],
)
def test_values_are_quoted_for_each_shell(shell: str, line: str) -> None:
    """A quote inside a value survives each shell's quoting."""
    assert render_line(shell, Setting("A", "it's")) == line


def test_dotenv_plain_value_unquoted() -> None:
    assert render_line("dotenv", Setting("NODE_USE_ENV_PROXY", "1")) == "NODE_USE_ENV_PROXY=1"


def test_every_runtime_is_covered() -> None:
    """Proxy variables in both cases, Python (requests, httpx), Node and curl; bundle vs CA."""
    bundle, ca = Path("/b.pem"), Path("/ca.pem")
    settings = {
        s.name: s.value for s in client_settings("http://127.0.0.1:8080", bundle, ca) if s.name
    }
    proxy = "http://127.0.0.1:8080"
    assert settings == {
        "HTTPS_PROXY": proxy,
        "https_proxy": proxy,
        "HTTP_PROXY": proxy,
        "http_proxy": proxy,
        "NO_PROXY": "localhost,127.0.0.1,::1",
        "no_proxy": "localhost,127.0.0.1,::1",
        "REQUESTS_CA_BUNDLE": "/b.pem",
        "SSL_CERT_FILE": "/b.pem",
        "NODE_EXTRA_CA_CERTS": "/ca.pem",
        "NODE_USE_ENV_PROXY": "1",
        "CURL_CA_BUNDLE": "/b.pem",
    }


@pytest.mark.parametrize(
    ("environ", "merged", "dropped"),
    [
        ({}, "localhost,127.0.0.1,::1", []),
        (
            {"NO_PROXY": "corp.example,10.0.0.0/8"},
            "corp.example,10.0.0.0/8,localhost,127.0.0.1,::1",
            [],
        ),
        (
            {"no_proxy": "a.example", "NO_PROXY": "b.example,a.example"},
            "a.example,b.example,localhost,127.0.0.1,::1",
            [],
        ),
        (
            {"NO_PROXY": "localhost,.openai.com,intranet"},
            "localhost,intranet,127.0.0.1,::1",
            [".openai.com"],
        ),
        ({"no_proxy": "*"}, "localhost,127.0.0.1,::1", ["*"]),
    ],
)
def test_no_proxy_is_appended_to_not_replaced(
    environ: dict[str, str], merged: str, dropped: list[str]
) -> None:
    """Existing entries of both cases stay, loopback is added once, and only entries that
    would send the API around the proxy are left out (and reported)."""
    assert merged_no_proxy(environ) == (merged, dropped)


@pytest.mark.parametrize(
    ("shell", "line"),
    [
        ("bash", "unset A"),
        ("zsh", "unset A"),
        ("fish", "set -e A"),
        ("powershell", "Remove-Item Env:A -ErrorAction SilentlyContinue"),
    ],
)
def test_unset_syntax(shell: str, line: str) -> None:
    assert render_unset(shell, "A") == line


def test_undo_restores_what_was_there_before_the_first_env() -> None:
    """AUTHLENS_ENV_SAVED keeps the first values: a second `env` does not overwrite them, and
    the undo lines restore a corporate https_proxy and unset what was not set."""
    before = {"https_proxy": "http://corp:3128", "NO_PROXY": "intranet"}
    ours = [
        Setting("https_proxy", "http://127.0.0.1:8080"),
        Setting("NO_PROXY", "x"),
        Setting("SSL_CERT_FILE", "/b.pem"),
    ]
    saved = saved_state(before, ours)
    after = {**{s.name: s.value for s in ours}, SAVED: saved}
    assert saved_state(after, ours) == saved  # env run twice
    lines = undo_lines(after, "bash", []).splitlines()
    assert "export https_proxy='http://corp:3128'" in lines
    assert "export NO_PROXY='intranet'" in lines
    assert "unset SSL_CERT_FILE" in lines
    assert f"unset {SAVED}" in lines


def test_undo_without_saved_state_unsets_the_names() -> None:
    lines = undo_lines({}, "fish", ["HTTPS_PROXY", "WGETRC"]).splitlines()
    assert {"set -e HTTPS_PROXY", "set -e WGETRC"} <= set(lines)


def test_system_trust_skips_our_own_bundle(tmp_path: Path) -> None:
    """SSL_CERT_FILE pointing at the bundle we write is not used as its own base."""
    ours = tmp_path / "bundle.pem"
    ours.write_bytes(CA)
    base = system_trust({"SSL_CERT_FILE": str(ours)}, exclude=ours)
    assert base is not None
    assert base != ours
