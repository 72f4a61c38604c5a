"""`authlens demo` as a subprocess: offline, under a minute, every mistake diagnosed."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from authlens.tools.demo_cases import demo_key
from tests.cli import authlens, clean_env
from tests.keyfactory import windows

EXPECTED_CAUSES = [
    "missing_credentials", "quoted_key", "placeholder_key", "other_provider_key",
    "organization_mismatch",
    "key_revoked",
]  # fmt: skip


@pytest.mark.parametrize("flag", [[], ["--no-sdk"]])
def test_demo_diagnoses_every_mistake(tmp_path: Path, flag: list[str]) -> None:
    """Exit 0, each cause shown as the application sees it, the log shown, in under a minute;
    with the SDK or plain HTTP. Proxy env variables of the user are not followed."""
    env = clean_env(tmp_path, HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    started = time.monotonic()
    result = authlens("demo", *flag, env=env, timeout=90)
    assert time.monotonic() - started < 60
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for cause in EXPECTED_CAUSES:
        assert f"authlens: {cause}" in out
    assert "[authlens: " in out  # the hint inside the exception text
    assert "reply: Hello from the fake OpenAI." in out or "HTTP 200 OK" in out
    assert "The proxy's JSON log, as 'authlens tail' shows it:" in out
    assert ("the openai SDK" in out) is (not flag)
    assert not (tmp_path / ".mitmproxy").exists()  # nothing written to the user's confdir


def test_demo_keys_never_shown(tmp_path: Path) -> None:
    """The demo's made-up keys appear only as fingerprints."""
    result = authlens("demo", "--no-sdk", env=clean_env(tmp_path), timeout=90)
    for tag in ("good", "revoked"):
        key = demo_key(tag)
        assert not {w for w in windows(key, "sk-proj-") if w in result.stdout}


def test_port_in_use(tmp_path: Path) -> None:
    """A busy --port: one clear message, exit 1, nothing started."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = authlens("demo", "--port", str(port), env=clean_env(tmp_path))
    assert result.returncode == 1
    assert f"port {port} is in use" in result.stderr
    assert "Traceback" not in result.stderr
