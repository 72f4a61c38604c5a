"""authlens settings: one pydantic-settings model, layered and validated at startup.

Precedence, lowest first: the model's defaults, a TOML file (`authlens_config`), `AUTHLENS_*`
environment variables, then mitmproxy `--set authlens_*` options. pydantic-settings skips a
missing TOML file silently, so the file is read here, and a missing or invalid file or field
raises `SettingsError` naming it.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from authlens.registry import DEFAULT_HOSTS

ENV_PREFIX = "AUTHLENS_"


def packaged_default_config() -> Path:
    """The default TOML shipped inside the package (config/default.toml links to it)."""
    return Path(str(resources.files("authlens") / "defaults" / "default.toml"))


class SettingsError(ValueError):
    """A settings file or value that stops startup; the message names the file and field."""


class Settings(BaseSettings):
    """Everything authlens can be told. Unknown keys are rejected."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DEFAULT_HOSTS,
        min_length=1,
    )
    log_stdout: bool = True
    log_file: Path | None = None
    log_all: bool = False
    # stdout's view: JSON lines, or a line per exchange for people (`auto`: on a terminal).
    log_format: Literal["auto", "json", "pretty"] = "auto"
    annotate_body: bool = True
    history_size: int = Field(default=4096, ge=1, le=1_000_000)
    # Extra host glob -> provider profile ("openai", "azure", "compatible"), tried first.
    profiles: Annotated[dict[str, Literal["openai", "azure", "compatible"]], NoDecode] = {}
    # `host:port` of the Prometheus `/metrics` endpoint; off when unset.
    metrics: str | None = None

    @field_validator("hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        """Accept `a,b` or a JSON list from the environment, a list from TOML."""
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [h.strip() for h in value.split(",") if h.strip()]
        return value

    @field_validator("profiles", mode="before")
    @classmethod
    def _split_profiles(cls, value: Any) -> Any:
        """Accept `glob=provider,...` or a JSON object from the environment, a list of
        `glob=provider` from a mitmproxy option, a table from TOML."""
        if isinstance(value, str):
            if value.lstrip().startswith("{"):
                return json.loads(value)
            value = [v for v in value.split(",") if v.strip()]
        if isinstance(value, (list, tuple)):
            pairs = [str(v).partition("=") for v in value]
            if any(not sep for _, sep, _ in pairs):
                raise ValueError("profiles must be written glob=provider")
            return {glob.strip(): provider.strip() for glob, _, provider in pairs}
        return value

    @field_validator("metrics")
    @classmethod
    def _metrics_address(cls, value: str | None) -> str | None:
        """`host:port`, `[v6]:port` or `:port`; an empty value turns metrics off."""
        if value is None or not value.strip():
            return None
        host, sep, port = value.strip().rpartition(":")
        if not sep or not port.isdigit() or not 0 <= int(port) < 65536 or " " in host:
            raise ValueError("metrics must be host:port (e.g. 127.0.0.1:9464 or :9464)")
        return value.strip()

    @field_validator("hosts")
    @classmethod
    def _no_blank_hosts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not h.strip() or any(c.isspace() for c in h) for h in value):
            raise ValueError("host patterns must be non-empty and contain no spaces")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # `load_settings` layers the file, the environment and the options itself.
        return (init_settings,)


def read_config_file(path: Path) -> dict[str, Any]:
    """The `[authlens]` table (or top level) of a TOML file; raises SettingsError naming it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"authlens config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SettingsError(f"authlens config file {path} cannot be read: {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"authlens config file {path} is not valid TOML: {e}") from e
    table = data.get("authlens", data)
    if not isinstance(table, dict):
        raise SettingsError(f"authlens config file {path}: [authlens] must be a table")
    return table


def load_settings(
    config_file: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """The settings, each layer over the one before: defaults, the TOML file, `AUTHLENS_*`
    variables (read by pydantic-settings), `--set authlens_*` options. A bad value raises
    SettingsError naming its source."""
    file_values = read_config_file(config_file) if config_file is not None else {}
    env_values = EnvSettingsSource(Settings)()
    overrides = dict(overrides or {})
    try:
        return Settings(**{**file_values, **env_values, **overrides})
    except ValidationError as e:
        raise SettingsError(_describe(e, config_file, overrides, file_values, os.environ)) from None


def _describe(
    error: ValidationError,
    config_file: Path | None,
    overrides: Mapping[str, Any],
    file_values: Mapping[str, Any],
    env: Mapping[str, str],
) -> str:
    """One line per bad field, saying where its value came from."""
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "?"
        if field in overrides:
            source = f"option authlens_{field}"
        elif f"{ENV_PREFIX}{field.upper()}" in env:
            source = f"environment variable {ENV_PREFIX}{field.upper()}"
        elif field in file_values:
            source = f"config file {config_file}"
        else:
            source = "settings"
        what = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        lines.append(f"invalid authlens setting '{field}' ({source}): {what}")
    return "; ".join(lines)
