"""`authlens demo` as a subprocess: offline, under a minute, every mistake diagnosed."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest

from authlens.tools.demo_cases import demo_key
from tests.cli import authlens, clean_env
from tests.keyfactory import windows

EXPECTED_CAUSES = [
    "missing_credentials",
    "quoted_key",
    "placeholder_key",
    "other_provider_key",
    "organization_mismatch",
    "key_revoked",
]


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
    assert re.search(r"The proxy's JSON log, as '\S*authlens tail' shows it:", out)
    lines = out.splitlines()
    first = next(i for i, text in enumerate(lines) if text.startswith("   (first: "))
    assert lines[first - 1].startswith("7. A key that worked a moment ago")  # under its case
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


def test_authlens_hint_has_its_own_colour() -> None:
    """In what the app saw, the `[authlens: ...]` part is styled apart from OpenAI's text."""
    from authlens.commands.demo import app_text

    text = app_text("Error code: 401 - Incorrect API key. [authlens: The key is quoted.]", "yellow")
    assert text.plain == "Error code: 401 - Incorrect API key. [authlens: The key is quoted.]"
    ours = text.plain.index(" [authlens: ")
    assert [(s.start, s.end) for s in text.spans if s.style != "yellow"] == [(ours, len(text))]
    assert text.style == "yellow"
