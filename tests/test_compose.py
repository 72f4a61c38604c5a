"""docker-compose.yml resolved by the real Compose v2 binary, checked without a Docker engine."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.dockerfiles import CA_CERT, COMPOSE_FILE, CONFDIR, GOOD_KEY, run_compose


def modes(services: dict[str, Any]) -> dict[int, str]:
    """Container port -> mitmproxy mode in the authlens service's command."""
    args = services["authlens"]["command"]
    specs = [args[n + 1] for n, a in enumerate(args) if a == "--mode"]
    return {int(s.rpartition("@")[2]): re.split(r"[:@]", s)[0] for s in specs}


def test_authlens_runs_the_image_entrypoint_with_both_modes(services: dict[str, Any]) -> None:
    """The service keeps the image's entrypoint and serves regular and reverse mode."""
    assert services["authlens"]["entrypoint"] is None
    assert modes(services) == {8080: "regular", 8081: "reverse"}
    assert "reverse:https://api.openai.com@8081" in services["authlens"]["command"]


def test_ports_are_published_on_loopback_only(services: dict[str, Any]) -> None:
    """Anyone who reaches the proxy can use it: only 127.0.0.1 of the host."""
    published = [p for s in services.values() for p in s.get("ports", [])]
    assert {(p["host_ip"], p["published"], p["target"]) for p in published} == {
        ("127.0.0.1", "8080", 8080),
        ("127.0.0.1", "8081", 8081),
    }


def test_authlens_keeps_ca_and_logs_in_named_volumes(services: dict[str, Any]) -> None:
    """The CA volume is the image's confdir; the log volume holds AUTHLENS_LOG_FILE."""
    mounts = {v["source"]: v for v in services["authlens"]["volumes"]}
    assert {v["type"] for v in mounts.values()} == {"volume"}
    assert mounts["authlens-ca"]["target"] == CONFDIR
    assert not mounts["authlens-ca"].get("read_only")
    log_file = services["authlens"]["environment"]["AUTHLENS_LOG_FILE"]
    assert Path(log_file).parent == Path(mounts["authlens-logs"]["target"])


def test_healthcheck_covers_both_ports_and_the_ca(services: dict[str, Any]) -> None:
    """A Python check (no curl in slim images); the live tests below run it."""
    check = services["authlens"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    assert f"{CONFDIR}/{CA_CERT}" in check[3]
    assert all(str(port) in check[3] for port in modes(services))


@pytest.mark.parametrize("name", ["client", "client-reverse"])
def test_clients_wait_for_a_healthy_authlens(services: dict[str, Any], name: str) -> None:
    """A client starts only once the proxy listens and its CA exists."""
    assert services[name]["depends_on"]["authlens"]["condition"] == "service_healthy"


def test_regular_client_mounts_the_ca_read_only(services: dict[str, Any]) -> None:
    """The CA volume is read-only in every client; the bundle is written elsewhere."""
    mounts = [
        v for s in services.values() if s is not services["authlens"] for v in s.get("volumes", [])
    ]
    assert [(v["source"], v.get("read_only")) for v in mounts] == [("authlens-ca", True)]
    env = services["client"]["environment"]
    assert env["PROXY_CA_CERT"] == f"{mounts[0]['target']}/{CA_CERT}"
    assert not env["SSL_CERT_FILE"].startswith(mounts[0]["target"])


def test_client_settings_name_the_matching_modes(services: dict[str, Any]) -> None:
    """HTTPS_PROXY targets the regular port; OPENAI_BASE_URL the reverse port, with no CA."""
    by_port = modes(services)
    proxy = re.fullmatch(r"http://authlens:(\d+)", services["client"]["environment"]["HTTPS_PROXY"])
    assert proxy
    assert by_port[int(proxy[1])] == "regular"
    reverse_env = services["client-reverse"]["environment"]
    base = re.fullmatch(r"http://authlens:(\d+)/v1", reverse_env["OPENAI_BASE_URL"])
    assert base
    assert by_port[int(base[1])] == "reverse"
    assert not {"HTTPS_PROXY", "SSL_CERT_FILE", "PROXY_CA_CERT"} & set(reverse_env)


def test_the_key_comes_only_from_the_environment(services: dict[str, Any]) -> None:
    """The file only references OPENAI_API_KEY; resolved, it reaches the clients alone."""
    values = re.findall(r"^\s*OPENAI_API_KEY:\s*(.*)$", COMPOSE_FILE.read_text(), re.M)
    assert len(values) == 2
    assert all(re.fullmatch(r"\$\{OPENAI_API_KEY:\?[^}]+\}", v) for v in values)
    with_key = {n for n, s in services.items() if GOOD_KEY in json.dumps(s)}
    assert with_key == {"client", "client-reverse"}


def test_missing_key_stops_compose_with_a_clear_error(empty_env_file: Path, tmp_path: Path) -> None:
    """Unset, every compose command fails naming the variable; a .env file provides it."""
    missing = run_compose(empty_env_file, "config", "--services")
    assert missing.returncode != 0
    assert "required variable OPENAI_API_KEY is missing a value" in missing.stderr
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"OPENAI_API_KEY={GOOD_KEY}\n")
    provided = run_compose(dotenv, "config", "--services")
    assert provided.returncode == 0, provided.stderr
    assert sorted(provided.stdout.split()) == ["authlens", "client"]
