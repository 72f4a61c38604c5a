"""The README's commands: the quick start runs, every other command line parses."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from authlens.cli import build_parser
from authlens.fake_openai import FakeOpenAI
from tests.harness import clean_env, listening_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def shell_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, re.DOTALL)


def authlens_commands() -> list[list[str]]:
    """Every `authlens ...` / `bin/authlens ...` invocation in the README's shell blocks."""
    found = []
    for block in shell_blocks():
        for line in block.splitlines():
            for part in re.split(r"\||&&|\$\(", line.split("  #")[0]):
                words = shlex.split(part.strip().rstrip(')"'), comments=True)
                if words and words[0] in ("authlens", "bin/authlens"):
                    found.append(words[1:])
    return found


def test_quick_start_is_the_two_commands_ci_runs() -> None:
    """Two commands: the proxy and the tests; .ci/run ends with the same test command."""
    quick = README.split("## Quick start", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.splitlines() if line.strip()]
    assert commands == ["bin/authlens run", "bin/test"]
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip()]
    assert ci[-1].split()[0] == "bin/test"


@pytest.mark.parametrize("words", authlens_commands(), ids=" ".join)
def test_every_readme_command_parses(words: list[str], tmp_path: Path) -> None:
    """Each command line is accepted by our parser, or, for `run`, by mitmdump itself
    (`--options` makes it check every argument and option, then exit without serving)."""
    if words[0] != "run":
        build_parser().parse_args(words)
        return
    result = subprocess.run(
        [Path(sys.executable).with_name("authlens"), *words, "--options"],
        env=clean_env(HOME=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,  # a relative authlens_log_file is created where mitmdump runs
    )
    assert result.returncode == 0, result.stderr


def test_readme_lists_every_command() -> None:
    """The commands table names every subcommand the CLI has."""
    table = README.split("## Commands", 1)[1].split("\n\n", 2)[1]
    listed = set(re.findall(r"^\| `authlens (\w+)", table, re.MULTILINE))
    assert listed == set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


@pytest.mark.e2e
def test_quick_start_proxy_serves_and_logs_json(tmp_path: Path) -> None:
    """`bin/authlens run` (with extra mitmdump arguments) proxies and prints only JSON lines."""
    with FakeOpenAI(["sk-good"]) as fake:
        args = ["--mode", f"reverse:http://127.0.0.1:{fake.port}", "-p", "0"]
        args += ["--set", f"confdir={tmp_path}"]
        # bin/test --python 3.12 runs the suite in .venv-3.12: bin/authlens must use it too.
        env = clean_env(HOME=str(tmp_path))
        env |= {k: v for k, v in os.environ.items() if k == "AUTHLENS_PYTHON"}
        stderr = tmp_path / "stderr.txt"
        with (
            stderr.open("wb") as err,
            subprocess.Popen(
                [ROOT / "bin" / "authlens", "run", *args],
                env=env,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            ) as proxy,
        ):
            try:
                port = listening_port(proxy, stderr)
                url = f"http://127.0.0.1:{port}/v1/models"

                def answered() -> httpx.Response | None:
                    try:
                        return httpx.get(url, headers={"Authorization": "Bearer sk-bad"})
                    except httpx.TransportError:
                        return None

                response = wait_for(answered, 60, "bin/authlens run did not start")
                assert response.headers["x-authlens-id"]
            finally:
                proxy.terminate()
                out, _ = proxy.communicate(timeout=20)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["id"] for line in lines] == [response.headers["x-authlens-id"]]
