"""The authlens service run as its container would: the image's commands, paths and ports.

tests/container.py runs, inside Linux namespaces of its own, the Dockerfile's ENTRYPOINT with
the compose service's `command`, the image's ENV with the service's `environment`, the named
volumes at the image's paths and the HEALTHCHECK command, all taken as written from
BuildKit's and Compose's own reading of the files. Clients reach it as the compose clients do
(`http://authlens:8080` as HTTPS_PROXY, `http://authlens:8081/v1` as OPENAI_BASE_URL). It needs
root and unshare(1): elsewhere these tests skip, except in CI where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.dockerfiles import BAD_KEY, CA_CERT, GOOD_KEY, ROOT, image_env, stages
from tests.keyfactory import leaks

pytestmark = pytest.mark.e2e

CAN_UNSHARE = sys.platform == "linux" and os.geteuid() == 0 and shutil.which("unshare")
if not CAN_UNSHARE and not os.environ.get("CI"):
    pytest.skip("needs Linux, root and unshare(1) (CI fails instead)", allow_module_level=True)


def volume_paths(service: dict[str, Any], volumes: dict[str, Path]) -> dict[str, str]:
    """Container path -> this machine's folder for each named volume the service mounts."""
    return {v["target"]: str(volumes[v["source"]]) for v in service["volumes"]}


@pytest.fixture(scope="module")
def run(services: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One container run: what tests/container.py saw, and where its output went."""
    tmp = tmp_path_factory.mktemp("container")
    tmp.chmod(0o755)
    authority = trustme.CA()
    authority.cert_pem.write_to_path(str(tmp / "upstream-ca.pem"))
    cert = authority.issue_cert("api.openai.com")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp / "upstream.pem"))
    volumes = {name: tmp / name for name in ("authlens-ca", "authlens-logs")}
    for folder in volumes.values():
        folder.mkdir()
    all_stages = stages()
    image = all_stages[-1]
    service = services["authlens"]
    env = image_env(image, all_stages) | service["environment"]
    env |= {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env |= {"HOME": str(tmp)}
    # The package under test, where a developer points the shared venv at a work tree.
    env |= {k: v for k, v in os.environ.items() if k == "PYTHONPATH"}
    ca_folder = next(v["target"] for v in service["volumes"] if v["source"] == "authlens-ca")
    spec = {
        "argv": [
            *image.last("ENTRYPOINT").value,
            *service["command"],
            "--set",
            f"ssl_verify_upstream_trusted_ca={tmp / 'upstream-ca.pem'}",
        ],
        "env": env,
        "healthcheck": list(image.last("HEALTHCHECK").value[1:]),  # after CMD
        "volumes": volume_paths(service, volumes),
        "hosts": ["authlens", "api.openai.com"],
        "upstream_cert": str(tmp / "upstream.pem"),
        "proxy_ca": f"{ca_folder}/{CA_CERT}",
        "https_proxy": services["client"]["environment"]["HTTPS_PROXY"],
        "reverse_base_url": services["client-reverse"]["environment"]["OPENAI_BASE_URL"],
        "good_key": GOOD_KEY,
        "bad_key": BAD_KEY,
        "scratch": str(tmp),
        "repo": str(ROOT),
        "stdout": str(tmp / "stdout"),
        "stderr": str(tmp / "stderr"),
        "out": str(tmp / "seen.json"),
    }
    (tmp / "spec.json").write_text(json.dumps(spec))
    done = subprocess.run(
        [
            "unshare",
            "--mount",
            "--net",
            "--fork",
            sys.executable,
            "-m",
            "tests.container",
            str(tmp / "spec.json"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    stderr = (tmp / "stderr").read_text() if (tmp / "stderr").exists() else ""
    assert done.returncode == 0, done.stdout + done.stderr + stderr
    seen: dict[str, Any] = json.loads((tmp / "seen.json").read_text())
    return {
        "seen": seen,
        "stdout": (tmp / "stdout").read_text(),
        "stderr": stderr,
        "volumes": volumes,
        "log_file": volumes["authlens-logs"] / Path(env["AUTHLENS_LOG_FILE"]).name,
    }


def test_healthcheck_tracks_the_proxy_and_its_ca(run: dict[str, Any]) -> None:
    """Unhealthy before start, healthy once both modes listen, unhealthy without the CA file."""
    seen = run["seen"]
    assert not seen["healthy_before_start"]
    assert seen["healthy_after_start"], run["stderr"]
    assert not seen["healthy_without_ca"]


@pytest.mark.parametrize("mode", ["regular", "reverse"])
def test_both_modes_pass_good_keys_and_diagnose_bad_ones(run: dict[str, Any], mode: str) -> None:
    """As the compose clients reach them: a good key gets the models, a bad one a diagnosis."""
    calls = run["seen"]["calls"]
    assert calls[f"{mode}/good_key"]["status"] == 200
    bad = calls[f"{mode}/bad_key"]
    assert (bad["status"], bad["cause"]) == (401, "invalid_api_key")


def test_every_exchange_logged_to_stdout_and_the_log_volume(run: dict[str, Any]) -> None:
    """The JSON lines go to stdout (docker compose logs) and to AUTHLENS_LOG_FILE in the volume."""
    ids = {c["id"] for c in run["seen"]["calls"].values()}
    assert None not in ids
    for text in (run["stdout"], run["log_file"].read_text()):
        lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
        assert ids <= {line["id"] for line in lines}
        assert not leaks(text, BAD_KEY, "sk-proj-")
        assert not leaks(text, GOOD_KEY, "sk-proj-")


def test_ca_volume_gives_clients_the_certificate_not_the_key(run: dict[str, Any]) -> None:
    """mitmproxy wrote its CA into the volume: the certificate world-readable, the key 0600."""
    folder = run["volumes"]["authlens-ca"]
    assert (folder / CA_CERT).stat().st_mode & 0o004
    assert (folder / "mitmproxy-ca.pem").stat().st_mode & 0o077 == 0


def test_docker_stop_ends_the_proxy_cleanly(run: dict[str, Any]) -> None:
    """SIGTERM (what `docker stop` sends) makes the entrypoint exit 0, well before the kill."""
    assert run["seen"]["exit_code_on_sigterm"] == 0


def test_readme_recipe_tails_the_compose_logs(run: dict[str, Any], tmp_path: Path) -> None:
    """`docker compose logs -f authlens | authlens tail -`: prefixed lines still read as events."""
    logs = "".join(f"authlens-1  | {line}\n" for line in run["stdout"].splitlines())
    bad = run["seen"]["calls"]["reverse/bad_key"]["id"]
    tail = Path(sys.executable).with_name("authlens")
    shown = subprocess.run(
        [tail, "tail", "-"], input=logs, capture_output=True, text=True, timeout=60, check=False
    )
    assert shown.returncode == 0, shown.stderr
    (line,) = [line for line in shown.stdout.splitlines() if bad in line]
    assert "invalid_api_key" in line
