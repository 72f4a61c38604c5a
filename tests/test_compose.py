"""docker-compose.yml as the real Compose v2 engine resolves it, checked without a Docker engine.

What the services do when run is tested in tests/test_compose_live.py; here, what only the
resolved file can tell: who gets the key, what is published, what waits for what.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.dockerfiles import GOOD_KEY, run_compose


def test_ports_are_published_on_loopback_only(services: dict[str, Any]) -> None:
    """Anyone who reaches the proxy can use it: every published port binds 127.0.0.1 only."""
    published = [p for s in services.values() for p in s.get("ports", [])]
    assert published
    assert {p["host_ip"] for p in published} == {"127.0.0.1"}


def test_the_key_reaches_the_clients_only(services: dict[str, Any]) -> None:
    """Resolved with OPENAI_API_KEY set, the key is in the clients' settings and nowhere else."""
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


def test_the_healthcheck_is_the_images(services: dict[str, Any]) -> None:
    """One definition: the service sets none of its own, so the Dockerfile's HEALTHCHECK applies."""
    assert "healthcheck" not in services["authlens"]


@pytest.mark.parametrize("name", ["client", "client-reverse"])
def test_clients_wait_for_a_healthy_authlens(services: dict[str, Any], name: str) -> None:
    """A client starts only once the image's healthcheck passes (both modes up, CA written)."""
    assert services[name]["depends_on"]["authlens"]["condition"] == "service_healthy"


def test_clients_mount_the_ca_read_only(services: dict[str, Any]) -> None:
    """Only authlens may write the CA volume; clients read the certificate from it."""
    for name, service in services.items():
        for volume in service.get("volumes", []):
            if volume["source"] == "authlens-ca" and name != "authlens":
                assert volume.get("read_only"), name
