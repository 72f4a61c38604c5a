"""Settings layering (defaults < file < AUTHLENS_* env < --set options) and clear errors."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from authlens.settings import Settings, SettingsError, load_settings, packaged_default_config

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HOSTS",
        "LOG_STDOUT",
        "LOG_FILE",
        "LOG_ALL",
        "ANNOTATE_BODY",
        "HISTORY_SIZE",
        "PROFILES",
    ):
        monkeypatch.delenv(f"AUTHLENS_{name}", raising=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "authlens.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_packaged_defaults_equal_model_defaults() -> None:
    """config/default.toml documents exactly the model's defaults, so they cannot drift."""
    table = tomllib.loads(packaged_default_config().read_text())["authlens"]
    defaults = Settings.model_construct()
    assert table.keys() <= set(Settings.model_fields)
    for name, value in table.items():
        expected = getattr(defaults, name)
        assert (list(expected) if isinstance(expected, tuple) else expected) == value, name


def test_repository_config_is_the_packaged_file() -> None:
    """The top-level config/default.toml and the one inside the wheel are the same file."""
    assert (CONFIG_DIR / "default.toml").read_bytes() == packaged_default_config().read_bytes()


def test_layers_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file beats defaults, the environment beats the file, options beat the environment."""
    path = write(tmp_path, 'hosts = ["file.example"]\nlog_stdout = false\nannotate_body = false\n')
    assert load_settings(path).hosts == ("file.example",)
    monkeypatch.setenv("AUTHLENS_HOSTS", "env.example, *.env.example")
    monkeypatch.setenv("AUTHLENS_LOG_STDOUT", "true")
    settings = load_settings(path, {"hosts": ["option.example"]})
    assert settings.hosts == ("option.example",)
    assert settings.log_stdout is True  # from the environment
    assert settings.annotate_body is False  # from the file
    assert load_settings(path).hosts == ("env.example", "*.env.example")


def test_authlens_table_or_top_level(tmp_path: Path) -> None:
    """Keys may sit under [authlens] or at the top level of the file."""
    assert load_settings(write(tmp_path, "[authlens]\nlog_all = true\n")).log_all is True
    assert load_settings(write(tmp_path, "log_all = true\n")).log_all is True


def test_hosts_as_json_list_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """AUTHLENS_HOSTS also accepts a JSON list."""
    monkeypatch.setenv("AUTHLENS_HOSTS", '["a.example", "b.example"]')
    assert load_settings().hosts == ("a.example", "b.example")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("log_stdout = 'maybe'\n", "'log_stdout' (config file"),
        ("hosts = []\n", "'hosts' (config file"),
        ("hosts = ['two words']\n", "'hosts' (config file"),
        ("colour = 'blue'\n", "'colour' (config file"),
        ("history_size = 0\n", "'history_size' (config file"),
        ("log_stdout = \n", "is not valid TOML"),
    ],
)
def test_invalid_file_names_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    """A bad file or field raises SettingsError naming both."""
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as error:
        load_settings(path)
    assert expected in str(error.value)
    assert str(path) in str(error.value)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    """pydantic-settings would skip a missing file silently; we stop."""
    with pytest.raises(SettingsError, match=r"not found: .*nope.toml"):
        load_settings(tmp_path / "nope.toml")


def test_bad_env_and_option_name_their_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """The message says whether an environment variable or an option was wrong."""
    monkeypatch.setenv("AUTHLENS_ANNOTATE_BODY", "perhaps")
    with pytest.raises(SettingsError, match="environment variable AUTHLENS_ANNOTATE_BODY"):
        load_settings()
    monkeypatch.delenv("AUTHLENS_ANNOTATE_BODY")
    with pytest.raises(SettingsError, match="option authlens_log_all"):
        load_settings(None, {"log_all": "sometimes"})


@pytest.mark.parametrize(
    "value",
    [
        "gw.internal=openai, *.corp.example=azure",
        '{"gw.internal": "openai", "*.corp.example": "azure"}',
    ],
)
def test_profiles_from_env(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    """AUTHLENS_PROFILES takes glob=provider pairs or a JSON object."""
    monkeypatch.setenv("AUTHLENS_PROFILES", value)
    assert load_settings().profiles == {"gw.internal": "openai", "*.corp.example": "azure"}


@pytest.mark.parametrize("value", [["gw=anthropic"], ["no-equals-sign"]])
def test_bad_profiles_are_rejected(value: list[str]) -> None:
    """An unknown provider or a malformed pair names the option."""
    with pytest.raises(SettingsError, match="option authlens_profiles"):
        load_settings(None, {"profiles": value})
