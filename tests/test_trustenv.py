"""The settings `authlens env` prints: a combined bundle and each shell's quoting."""

from __future__ import annotations

from pathlib import Path

import pytest

from authlens.tools.trustenv import (
    Setting,
    client_settings,
    combined_bundle,
    render_line,
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
    """Proxy variables, Python (requests, httpx), Node and curl; bundle vs bare CA."""
    bundle, ca = Path("/b.pem"), Path("/ca.pem")
    settings = {
        s.name: s.value for s in client_settings("http://127.0.0.1:8080", bundle, ca) if s.name
    }
    assert settings == {
        "HTTPS_PROXY": "http://127.0.0.1:8080",
        "HTTP_PROXY": "http://127.0.0.1:8080",
        "NO_PROXY": "localhost,127.0.0.1,::1",
        "REQUESTS_CA_BUNDLE": "/b.pem",
        "SSL_CERT_FILE": "/b.pem",
        "NODE_EXTRA_CA_CERTS": "/ca.pem",
        "NODE_USE_ENV_PROXY": "1",
        "CURL_CA_BUNDLE": "/b.pem",
    }


def test_system_trust_skips_our_own_bundle(tmp_path: Path) -> None:
    """SSL_CERT_FILE pointing at the bundle we write is not used as its own base."""
    ours = tmp_path / "bundle.pem"
    ours.write_bytes(CA)
    base = system_trust({"SSL_CERT_FILE": str(ours)}, exclude=ours)
    assert base is not None
    assert base != ours
