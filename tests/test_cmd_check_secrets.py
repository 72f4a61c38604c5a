"""`authlens check` never prints a secret, wherever it was pasted, and `--probe` never carries
the key to another origin (security findings #10: 4, 8, 11)."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from tests.cli import authlens, clean_env
from tests.keyfactory import body, leaks, project_key

KEY = project_key(31)
AZURE_KEY = hashlib.sha256(b"authlens-test-azure").hexdigest()[:32]  # Azure keys: 32 hex
PASSWORD = body(24, seed=7)


def run_check(tmp_path: Path, *args: str, **environ: str) -> tuple[int, str]:
    """Human and --json output together, and the exit status of the human run."""
    env = clean_env(tmp_path, **environ)
    human = authlens("check", *args, env=env, cwd=tmp_path)
    as_json = authlens("check", "--json", *args, env=env, cwd=tmp_path)
    for result in (human, as_json):
        assert "Traceback" not in result.stderr, result.stderr
    orjson.loads(as_json.stdout)
    return human.returncode, human.stdout + human.stderr + as_json.stdout + as_json.stderr


@pytest.mark.parametrize(
    ("environ", "secret"),
    [
        ({"OPENAI_ORG_ID": AZURE_KEY}, AZURE_KEY),
        ({"OPENAI_PROJECT_ID": KEY}, KEY),
        ({"OPENAI_ORG_ID": f"org-{PASSWORD}x{PASSWORD}"}, ""),  # an id: shown, nothing secret
        ({"AZURE_OPENAI_ENDPOINT": f"https://x.openai.azure.com/?api-key={AZURE_KEY}"}, AZURE_KEY),
        ({"OPENAI_BASE_URL": f"https://{KEY}@api.openai.com/v1"}, KEY),
        ({"OPENAI_BASE_URL": f"https://user:{PASSWORD}@gateway.example/v1"}, PASSWORD),
        ({"HTTPS_PROXY": f"http://bob:{PASSWORD}@127.0.0.1:8080"}, PASSWORD),
        ({"HTTPS_PROXY": f"bob:{PASSWORD}@127.0.0.1:8080"}, PASSWORD),
    ],
)
def test_no_secret_in_any_output(tmp_path: Path, environ: dict[str, str], secret: str) -> None:
    """A key or password pasted anywhere check reads is never printed (8-char windows)."""
    code, output = run_check(tmp_path, OPENAI_API_KEY=KEY, **environ)
    assert code in (0, 1)
    if secret:
        assert not leaks(output, secret, "sk-proj-" if secret == KEY else ""), output
    assert not leaks(output, KEY, "sk-proj-")


def test_proxy_password_not_in_ca_hint(tmp_path: Path) -> None:
    """The ca_not_trusted hint names the proxy without its password."""
    proxy = f"http://bob:{PASSWORD}@127.0.0.1:8080"
    _, output = run_check(tmp_path, OPENAI_API_KEY=KEY, HTTPS_PROXY=proxy)
    assert "ca_not_trusted" in output
    assert "127.0.0.1:8080" in output
    assert not leaks(output, PASSWORD)


def test_escape_sequences_in_values_are_shown_escaped(tmp_path: Path) -> None:
    """An ESC in a variable reaches the screen as the text `\\x1b`, never as a control."""
    code, output = run_check(
        tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL="https://api.openai.com/\x1b[2J\x1b]0;x\x07"
    )
    assert code == 1
    human = output.split('{"findings"')[0]
    assert "\x1b" not in human
    assert "\x07" not in human
    assert "[2J" in human  # shown as text (escaped or blanked), never executed


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers with `reply(self)`; records every request's path and Authorization."""

    seen: list[tuple[str, str | None]]
    location: str = ""

    def do_GET(self) -> None:  # http.server's naming
        self.seen.append((self.path, self.headers.get("authorization")))
        if self.location and self.path.startswith("/v1/"):
            self.send_response(302)
            self.send_header("Location", self.location)
        else:
            self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(location: str = "") -> tuple[http.server.HTTPServer, list[tuple[str, str | None]]]:
    seen: list[tuple[str, str | None]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen, "location": location})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    server, seen = _serve()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


@pytest.mark.parametrize("same_origin", [False, True])
def test_probe_never_follows_a_redirect_to_another_origin(
    tmp_path: Path, elsewhere: tuple[str, list[tuple[str, str | None]]], same_origin: bool
) -> None:
    """A cross-origin redirect is reported, not followed: the key stays home. Within the
    origin, the redirect is followed as before."""
    target_url, target_seen = elsewhere
    first, first_seen = _serve()
    port = first.server_address[1]
    base = f"http://127.0.0.1:{port}/v1"
    first.RequestHandlerClass.location = (  # type: ignore[attr-defined]
        f"http://127.0.0.1:{port}/v2/models" if same_origin else f"{target_url}/steal"
    )
    try:
        result = authlens(
            "check",
            "--json",
            "--probe",
            "--timeout",
            "5",
            env=clean_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=base),
            cwd=tmp_path,
        )
    finally:
        first.shutdown()
    assert "Traceback" not in result.stderr
    findings = orjson.loads(result.stdout)["findings"]
    assert target_seen == []
    if same_origin:
        assert [path for path, _ in first_seen] == ["/v1/models", "/v2/models"]
        assert ("OPENAI_BASE_URL", "wrong_base_url") not in {
            (f["variable"], f["cause"]) for f in findings
        }
    else:
        assert [path for path, _ in first_seen] == ["/v1/models"]
        assert ("OPENAI_BASE_URL", "wrong_base_url") in {
            (f["variable"], f["cause"]) for f in findings
        }
    assert not leaks(result.stdout, KEY, "sk-proj-")


def test_a_url_that_cannot_be_parsed_is_named_not_a_traceback(tmp_path: Path) -> None:
    """A host with a stray bracket: exit 2 and two lines, the value not echoed."""
    env = clean_env(tmp_path, OPENAI_API_KEY=KEY, OPENAI_BASE_URL=f"https://[{PASSWORD}/v1")
    result = authlens("check", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "OPENAI_BASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not leaks(result.stdout + result.stderr, PASSWORD)
