"""`authlens report` as a subprocess: JSON, tables, stdin, a missing file."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.cli import authlens, clean_env
from tests.logdata import SESSION


def write_log(tmp_path: Path) -> Path:
    path = tmp_path / "authlens.jsonl"
    path.write_text("\n".join(SESSION) + "\n")
    return path


def test_json_report(tmp_path: Path) -> None:
    """--json prints one object with every section."""
    result = authlens("report", str(write_log(tmp_path)), "--json", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    report = orjson.loads(result.stdout)
    assert list(report) == [
        "exchanges",
        "other_lines",
        "first",
        "last",
        "by_status",
        "by_cause",
        "keys",
        "accounts",
        "clients",
        "slowest",
    ]
    assert report["by_status"] == {"200": 1, "401": 1, "429": 1, "none": 1}


def test_tables_when_piped(tmp_path: Path) -> None:
    """Plain Markdown tables: every section title, fingerprints, the slowest first."""
    result = authlens("report", str(write_log(tmp_path)), env=clean_env(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for title in ("By status", "By cause", "By key", "By organization and project", "Slowest"):
        assert title in out
    assert "| sk-proj-...abcd sha256:3f2a9c1b0d4e | 2 " in out
    assert "[remove them]" in out  # hints are text, never rich markup
    slowest = out[out.index("Slowest") :].splitlines()
    assert slowest[3].startswith("| 2500ms ")
    assert "\x1b[" not in out


def test_stdin_with_docker_prefixes(tmp_path: Path) -> None:
    """`docker compose logs authlens | authlens report -`."""
    piped = "".join(f"authlens-1  | {text}\n" for text in SESSION)
    result = authlens("report", "-", "--json", env=clean_env(tmp_path), stdin=piped)
    assert orjson.loads(result.stdout)["exchanges"] == 4


def test_missing_file(tmp_path: Path) -> None:
    """A missing file: one clear line, exit 2."""
    result = authlens("report", str(tmp_path / "none.jsonl"), env=clean_env(tmp_path))
    assert result.returncode == 2
    assert "no log file at" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_has_examples(tmp_path: Path) -> None:
    """--help shows examples."""
    assert "examples:" in authlens("report", "--help", env=clean_env(tmp_path)).stdout
