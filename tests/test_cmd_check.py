"""`authlens check` as a subprocess: JSON shape, exit status, .env files, and --probe against a
local fake OpenAI (directly and through a real `authlens run` proxy)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from authlens.fake_openai import FakeOpenAI
from tests.cli import AUTHLENS, authlens, clean_env
from tests.harness import listening_port
from tests.keyfactory import leaks, project_key

GOOD = project_key(21)
OTHER = project_key(22)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI([GOOD]) as server:
        yield server


def check(tmp_path: Path, *args: str, **environ: str) -> tuple[int, list[dict[str, str]], str]:
    result = authlens("check", "--json", *args, env=clean_env(tmp_path, **environ), cwd=tmp_path)
    assert "Traceback" not in result.stderr
    findings = orjson.loads(result.stdout)["findings"] if result.stdout else []
    return result.returncode, findings, result.stdout + result.stderr


def test_clean_environment_exits_0(tmp_path: Path) -> None:
    """A good key and nothing else: no findings, exit 0."""
    code, findings, _ = check(tmp_path, OPENAI_API_KEY=GOOD)
    assert (code, findings) == (0, [])


def test_findings_json_shape_and_exit_1(tmp_path: Path) -> None:
    """`{"findings": [{"variable", "cause", "hint", "source"}]}` and exit 1; no key in output."""
    code, findings, output = check(tmp_path, OPENAI_API_KEY=f'"{GOOD}"', OPENAI_ORG_ID="Personal")
    assert code == 1
    assert [(f["variable"], f["cause"], f["source"]) for f in findings] == [
        ("OPENAI_API_KEY", "quoted_key", "environment"),
        ("OPENAI_ORG_ID", "organization_invalid", "environment"),
    ]
    assert all(set(f) == {"variable", "cause", "hint", "source"} for f in findings)
    assert not leaks(output, GOOD, "sk-proj-")


def test_default_dotenv_read_as_bytes(tmp_path: Path) -> None:
    """./.env is read by default: a CRLF line and a value shadowed by the environment."""
    (tmp_path / ".env").write_bytes(f"OPENAI_API_KEY={OTHER}\r\n".encode())
    code, findings, output = check(tmp_path, OPENAI_API_KEY=GOOD)
    assert code == 1
    assert {(f["cause"], f["source"]) for f in findings} == {
        ("shadowed_by_environment", ".env:1"),
        ("whitespace_in_key", ".env:1"),
        ("env_file_unreadable", ".env"),
    }
    assert not leaks(output, GOOD, "sk-proj-")
    assert not leaks(output, OTHER, "sk-proj-")


def test_powershell_utf16_env_file(tmp_path: Path) -> None:
    """--env-file with a UTF-16 file: env_file_unreadable."""
    path = tmp_path / "ps.env"
    path.write_bytes(f"OPENAI_API_KEY={GOOD}\r\n".encode("utf-16"))
    code, findings, _ = check(tmp_path, "--env-file", str(path))
    assert code == 1
    # The key in it is lost to every loader, so none is set at all.
    assert [f["cause"] for f in findings] == ["env_file_unreadable", "missing_credentials"]
    assert "UTF-16" in findings[0]["hint"]


def test_no_key_at_all_exits_1(tmp_path: Path) -> None:
    """OPENAI_API_KEY set nowhere: missing_credentials, exit 1 (a CI step must fail)."""
    code, findings, _ = check(tmp_path)
    assert code == 1
    assert [(f["variable"], f["cause"]) for f in findings] == [
        ("OPENAI_API_KEY", "missing_credentials")
    ]


def test_dotenv_reference_expanded_as_load_dotenv_does(tmp_path: Path) -> None:
    """`OPENAI_API_KEY=${MY_OPENAI_KEY}` with MY_OPENAI_KEY exported is the key, not a finding."""
    (tmp_path / ".env").write_text("OPENAI_API_KEY=${MY_OPENAI_KEY}\n")
    code, findings, _ = check(tmp_path, MY_OPENAI_KEY=GOOD)
    assert (code, findings) == (0, [])


def test_missing_env_file_is_a_usage_error(tmp_path: Path) -> None:
    result = authlens("check", "--env-file", "nope.env", env=clean_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert "no such .env file: nope.env" in result.stderr


def test_human_output(tmp_path: Path) -> None:
    """Without --json: what was read (fingerprints) and each finding with its hint."""
    env = clean_env(tmp_path, OPENAI_API_KEY=GOOD, OPENAI_BASE_URL="https://api.openai.com")
    result = authlens("check", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "| OPENAI_API_KEY  | environment | sk-proj-..." in result.stdout
    assert "x OPENAI_BASE_URL (environment) wrong_base_url" in result.stdout
    assert "1 problem(s) found." in result.stdout
    assert not leaks(result.stdout, GOOD, "sk-proj-")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"OPENAI_API_KEY": GOOD}, []),
        ({"OPENAI_API_KEY": OTHER}, [("OPENAI_API_KEY", "invalid_api_key")]),
        (
            {"OPENAI_API_KEY": GOOD, "OPENAI_ORG_ID": "org-AnotherOrganization01"},
            [("OPENAI_ORG_ID", "organization_mismatch")],
        ),
    ],
)
def test_probe_against_a_fake(
    tmp_path: Path, fake: FakeOpenAI, environ: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    """--probe sends GET /v1/models with the app's variables and diagnoses the answer."""
    code, findings, output = check(tmp_path, "--probe", OPENAI_BASE_URL=f"{fake.url}/v1", **environ)
    assert [(f["variable"], f["cause"]) for f in findings] == expected
    assert code == (1 if expected else 0)
    assert fake.requests[-1].path == "/v1/models"
    assert fake.requests[-1].header("authorization") == f"Bearer {environ['OPENAI_API_KEY']}"
    assert not leaks(output, OTHER, "sk-proj-")


def test_probe_when_nothing_answers(tmp_path: Path) -> None:
    """A closed port: upstream_unreachable on OPENAI_BASE_URL."""
    code, findings, _ = check(
        tmp_path,
        "--probe",
        "--timeout",
        "5",
        OPENAI_API_KEY=GOOD,
        OPENAI_BASE_URL="http://127.0.0.1:9/v1",
    )
    assert code == 1
    assert [(f["variable"], f["cause"]) for f in findings] == [
        ("OPENAI_BASE_URL", "upstream_unreachable")
    ]


def test_help_has_examples(tmp_path: Path) -> None:
    out = authlens("check", "--help", env=clean_env(tmp_path)).stdout
    assert "examples:" in out
    assert "--probe" in out
    assert "exit status" in out


def test_probe_goes_through_the_proxy(tmp_path: Path, fake: FakeOpenAI) -> None:
    """With HTTP_PROXY set, the probe goes through a real `authlens run` (the proxy adds its
    X-Client-Request-Id on the way) and still diagnoses the answer."""
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as err:
        proxy = subprocess.Popen(
            [
                AUTHLENS,
                "run",
                "-p",
                "0",
                "--set",
                f"confdir={tmp_path}",
                "--set",
                "authlens_hosts=127.0.0.1",
            ],
            env=clean_env(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        port = listening_port(proxy, stderr)
        code, findings, _ = check(
            tmp_path,
            "--probe",
            OPENAI_API_KEY=OTHER,
            OPENAI_BASE_URL=f"{fake.url}/v1",
            HTTP_PROXY=f"http://127.0.0.1:{port}",
        )
    finally:
        proxy.terminate()
        proxy.wait(10)
    assert code == 1
    assert [f["cause"] for f in findings] == ["invalid_api_key"]
    assert findings[0]["source"].startswith("probe: GET ")
    assert fake.requests[-1].header("x-client-request-id") is not None
