"""`authlens run` for people: our help, settings checked before anything listens, the log
format option, and `--debug` for unexpected errors."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

import httpx
import orjson
import pytest

from authlens.cli import EXIT_INTERNAL, main
from authlens.fake_openai import FakeOpenAI
from authlens.proxy.addon import OPTIONS
from authlens.tools.runstart import EXAMPLES
from tests.cli import AUTHLENS, authlens, clean_env
from tests.harness import wait_for
from tests.keyfactory import leaks, project_key

KEY = project_key(41)


def test_help_is_ours_with_every_option_and_a_pointer(tmp_path: Path) -> None:
    """`run --help`: our usage, each authlens option with an example, mitmdump's help named."""
    result = authlens("run", "--help", env=clean_env(tmp_path))
    assert result.returncode == 0
    out = result.stdout
    assert re.match(r"usage: \S*authlens run ", out)
    for name, _, _ in OPTIONS:
        assert f"--set authlens_{name}=" in out
    assert "examples:" in out
    assert "run --mitmdump-help" in out
    assert "usage: authlens [options]" not in out  # not mitmdump's


def test_examples_cover_exactly_the_addon_options() -> None:
    """The help's option list and the addon's options are the same set."""
    named = {example.split("=", 1)[0].removeprefix("authlens_") for example in EXAMPLES}
    assert named == {name for name, _, _ in OPTIONS}


def test_mitmdump_help_is_one_flag_away(tmp_path: Path) -> None:
    result = authlens("run", "--mitmdump-help", env=clean_env(tmp_path))
    assert result.returncode == 0
    assert "--mode" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("args", "environ", "named"),
    [
        (["--set", "authlens_hosts= "], {}, "authlens_hosts"),
        (["--set", "authlens_log_format=fancy"], {}, "authlens_log_format"),
        (["--set", "authlens_hots=api.openai.com"], {}, "authlens_hots"),
        ([], {"AUTHLENS_LOG_ALL": "maybe"}, "AUTHLENS_LOG_ALL"),
        (["--set", "authlens_config=missing.toml"], {}, "missing.toml"),
        (["--set", "authlens_log_file=/proc/nope/authlens.jsonl"], {}, "/proc/nope"),
    ],
)
def test_bad_settings_stop_startup_in_two_lines(
    tmp_path: Path, args: list[str], environ: dict[str, str], named: str
) -> None:
    """A bad option, variable or file: exit 2, two lines naming it and the fix, no traceback,
    and nothing claims to listen."""
    result = authlens(
        "run", "-p", "0", *args, env=clean_env(tmp_path, **environ), cwd=tmp_path, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr
    assert "listening" not in (result.stdout + result.stderr).lower()


# mitmproxy's "listening at 127.0.0.1:N" (stderr), or our banner's "listening  127.0.0.1:N"
# (stdout, where the human view silences mitmproxy's messages).
_LISTENING = re.compile(r"listening(?: at|\s+)\s*127\.0\.0\.1:(\d+)")


def _serve(tmp_path: Path, fake: FakeOpenAI, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    """`authlens run` on a port it picks (-p 0), read from what it prints."""
    out, err = tmp_path / "run.stdout", tmp_path / "run.stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proxy = subprocess.Popen(
            [
                AUTHLENS,
                "run",
                "-p",
                "0",
                "--mode",
                f"reverse:{fake.url}",
                "--set",
                "authlens_profiles=127.0.0.1=openai",
                *args,
            ],
            env=clean_env(tmp_path),
            stdout=stdout,
            stderr=stderr,
        )

    def port() -> int | None:
        assert proxy.poll() is None, err.read_text(errors="replace")
        match = _LISTENING.search(out.read_text(errors="replace") + err.read_text(errors="replace"))
        return int(match[1]) if match else None

    return proxy, wait_for(port, 60, "authlens run did not say where it listens")


def _stop(proxy: subprocess.Popen[bytes], tmp_path: Path) -> tuple[str, str]:
    proxy.terminate()
    proxy.wait(timeout=30)
    read = lambda name: (tmp_path / name).read_text(errors="replace")  # noqa: E731
    return read("run.stdout"), read("run.stderr")


@pytest.mark.e2e
@pytest.mark.parametrize("log_format", [None, "json", "pretty"])
def test_log_format_on_a_pipe(tmp_path: Path, log_format: str | None) -> None:
    """Piped, stdout stays JSON lines (auto, json); `pretty` forces the human view there,
    while the log file is JSON lines whatever the format."""
    log = tmp_path / "authlens.jsonl"
    extra: Sequence[str] = ("--set", f"authlens_log_file={log}")
    if log_format:
        extra = (*extra, "--set", f"authlens_log_format={log_format}")
    with FakeOpenAI([KEY]) as fake:
        proxy, port = _serve(tmp_path, fake, *extra)
        try:
            httpx.get(
                f"http://127.0.0.1:{port}/v1/models",
                headers={"Authorization": f'Bearer "{KEY}"'},
                timeout=10,
            )
        finally:
            out, err = _stop(proxy, tmp_path)
    (logged,) = [orjson.loads(text) for text in log.read_text().splitlines()]
    assert logged["cause"] == "quoted_key"
    lines = [text for text in out.splitlines() if text.strip()]
    if log_format == "pretty":
        assert lines[0].startswith("authlens: ")  # the banner, then one line per exchange
        lines = [text for text in lines if re.match(r"\d\d:", text)]
        assert len(lines) == 1
        assert "\x1b" not in out  # NO_COLOR
        assert re.match(
            r"\d\d:\d\d:\d\d 401 GET 127\.0\.0\.1/v1/models \d+ms quoted_key: ", lines[0]
        )
        assert f"key={logged['key']}" in lines[0]
    else:
        assert [orjson.loads(text) for text in lines] == [logged]
    assert not leaks(out + err, KEY, "sk-proj-")


def test_unexpected_error_is_one_line_and_debug_shows_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Our own bug: type and place on stderr (never the message, which may quote a secret),
    exit 70; `--debug` raises it with its traceback."""
    secret = f"boom {KEY}"

    def broken(_args: object) -> int:
        raise ValueError(secret)

    monkeypatch.setattr("authlens.commands.report.report_file", broken)
    log = tmp_path / "a.jsonl"
    log.write_text("")
    assert main(["report", str(log)]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "ValueError at test_cmd_run.py:" in err
    assert "--debug" in err
    assert not leaks(err, KEY, "sk-proj-")
    with pytest.raises(ValueError, match="boom"):
        main(["--debug", "report", str(log)])
