"""Run one canary request from a runtime and read what happened.

The request goes to the canary host (answered by the proxy itself: `proxy/canary.py`) with the
environment given, so it proves what that environment does for that runtime: the answer
carries our nonce (it reached this proxy and trusted its CA), or the error says a certificate
was refused (it reached a TLS-intercepting proxy it does not trust: the canary host resolves
nowhere else), or it did not get there at all.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from authlens.registry import PROVIDERS
from authlens.tools import runtimes_programs as programs

# Answered by the proxy itself (proxy/canary.py). Under the API's own name, so that NO_PROXY
# treats it as it treats api.openai.com.
CANARY_HOST = f"authlens-canary.{PROVIDERS['openai'].hosts[0]}"
CANARY_PATH = "/v1/authlens-canary/"
HINT_MARK = "[authlens:"
_TIMEOUT = 90.0  # Java and Go compile the canary first
_CERT_REFUSED = re.compile(
    r"(?i)certificate|self[- ]signed|unable to get local issuer|PKIX|x509|unknown ca"
    r"|UNABLE_TO_VERIFY|SELF_SIGNED_CERT|ERR_TLS_CERT|verify failed|not trusted|issuer"
)


@dataclass(frozen=True, slots=True)
class CanaryResult:
    """What one canary showed; `error` is the text the app's error would carry."""

    reaches_proxy: bool
    trusts_ca: bool
    hint_seen: bool
    status: int | None
    error: str
    missing: str | None = None  # a client library the runtime lacks: nothing was proven


def read_outcome(nonce: str, status: int | None, canary: str | None, error: str) -> CanaryResult:
    """Judge one canary from what its client printed."""
    if status is not None:
        ours = canary == nonce
        return CanaryResult(ours, ours, ours and HINT_MARK in error, status, error)
    refused = bool(_CERT_REFUSED.search(error))
    return CanaryResult(refused, False, False, None, error)


def canary_url(nonce: str, client: str) -> str:
    base = f"https://{CANARY_HOST}{CANARY_PATH}{nonce}"
    return base if client == "openai" else f"{base}/models"  # the SDK appends /models


def command_for(
    runtime: str, client: str, workdir: Path, url: str, path: str | None = None
) -> list[str]:
    """The command line that runs the canary of `runtime`/`client` (writing its source)."""
    if runtime == "python":
        return [python_for(path), "-c", programs.PYTHON[client], url]
    if runtime == "node":
        return ["node", "-e", programs.NODE[client], url]
    if runtime == "java":
        source = workdir / "Canary.java"
        source.write_text(programs.JAVA)
        return ["java", str(source), url]
    if runtime == "go":
        source = workdir / "canary.go"
        source.write_text(programs.GO)
        return ["go", "run", str(source), url]
    if runtime == "php":
        # A file, not `php -r`: auto_prepend_file (env's stream proxy) applies to files only.
        source = workdir / "canary.php"
        source.write_text(programs.PHP[client])
        return ["php", str(source), url]
    if runtime == "ruby":
        return ["ruby", "-e", programs.RUBY, url]
    if runtime == "curl":
        return ["curl", "-sS", "-i", "--max-time", "20", url]
    if runtime == "wget":
        return [
            "wget",
            "-q",
            "-S",
            "-O",
            "-",
            "--content-on-error",
            "--tries=1",
            "--timeout=20",
            url,
        ]
    raise ValueError(f"no canary for {runtime}")


def python_for(path: str | None) -> str:
    """The app's interpreter: `python3` on the canary's PATH (a venv's when active), else ours."""
    return shutil.which("python3", path=path) or sys.executable


_MISSING = re.compile(r"No module named '([\w.]+)'|LoadError.*-- (\S+)")
_STATUS_LINE = re.compile(r"(?m)^\s*HTTP/[0-9.]+ (\d{3})")
_CANARY_LINE = re.compile(r"(?mi)^\s*x-authlens-canary: *([A-Za-z0-9-]+)")


def parse_output(runtime: str, out: str, err: str) -> tuple[int | None, str | None, str]:
    """(status, canary header, error text) from a canary's output."""
    if runtime in ("curl", "wget"):
        headers = out if runtime == "curl" else err
        statuses = _STATUS_LINE.findall(headers)
        canary = _CANARY_LINE.search(headers)
        final = int(statuses[-1]) if statuses else None
        text = (out + err).strip() if final else err.strip()
        return final, canary[1] if canary else None, text
    for line in reversed(out.splitlines()):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            status = data.get("status")
            return (
                status if isinstance(status, int) and status else None,
                data.get("canary") or None,
                str(data.get("error") or ""),
            )
    return None, None, (err or out).strip()[-400:]


def run_canary(runtime: str, client: str, env: Mapping[str, str], workdir: Path) -> CanaryResult:
    """Send one canary request from `runtime`/`client` with exactly `env`."""
    nonce = secrets.token_hex(8)
    workdir.mkdir(parents=True, exist_ok=True)
    command = command_for(runtime, client, workdir, canary_url(nonce, client), env.get("PATH"))
    try:
        done = subprocess.run(
            command,
            env=dict(env),
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return CanaryResult(False, False, False, None, f"no answer in {_TIMEOUT:.0f} s")
    except OSError as e:
        return CanaryResult(False, False, False, None, f"cannot run {command[0]}: {e.strerror}")
    status, canary, error = parse_output(runtime, done.stdout, done.stderr)
    if status is None and (lacking := _MISSING.search(error)):
        return CanaryResult(False, False, False, None, error, missing=lacking[1])
    return read_outcome(nonce, status, canary, error)
