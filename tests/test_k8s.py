"""deploy/kubernetes: validated offline against the Kubernetes schemas, and wired consistently.

`kubernetes-validate` ships the OpenAPI schemas of each Kubernetes release and validates
without a cluster. ServiceMonitor is a Prometheus Operator CRD, not in those schemas: it is
checked structurally instead (its selector and port must find the Service and its port).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from authlens.settings import load_settings
from tests.dockerfiles import CONFDIR, ENTRYPOINT

DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "kubernetes"
# Native sidecars are on by default since 1.29; validate against that and the newest shipped.
VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
CRDS = {"ServiceMonitor"}


def documents(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((DEPLOY / name).read_text()) if d]


def by_kind(name: str, kind: str) -> dict[str, Any]:
    (found,) = [d for d in documents(name) if d["kind"] == kind]
    return found


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", ["sidecar.yaml", "gateway.yaml"])
def test_manifests_match_the_kubernetes_schemas(name: str, version: str) -> None:
    """Strict validation: an unknown or misplaced field fails (e.g. a typo in `restartPolicy`)."""
    checked = 0
    for document in documents(name):
        if document["kind"] in CRDS:
            continue
        kubernetes_validate.validate(document, version, strict=True)
        checked += 1
    assert checked >= 1


def test_schema_validation_catches_a_misplaced_field() -> None:
    """The validator is live: a sidecar field in the wrong place is refused."""
    deployment = by_kind("sidecar.yaml", "Deployment")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    sidecar = broken["spec"]["template"]["spec"]["initContainers"][0]
    sidecar["restartpolicy"] = sidecar.pop("restartPolicy")  # a typo in the key
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)
    sidecar["restartPolicy"] = sidecar.pop("restartpolicy")
    sidecar["ports"][0]["containerPort"] = "9464"  # a string where a number belongs
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container.get("env", [])}


def mode_port(args: list[str]) -> int:
    (spec,) = [args[n + 1] for n, a in enumerate(args) if a == "--mode"]
    return int(spec.rpartition("@")[2])


def test_sidecar_is_native_and_the_app_uses_it() -> None:
    """An init container with restartPolicy Always; the app's proxy and CA point at it."""
    pod = by_kind("sidecar.yaml", "Deployment")["spec"]["template"]["spec"]
    (sidecar,) = pod["initContainers"]
    assert sidecar["restartPolicy"] == "Always"
    port = mode_port(sidecar["args"])
    assert str(port) in " ".join(sidecar["startupProbe"]["exec"]["command"])
    (app,) = pod["containers"]
    env = env_of(app)
    assert env["HTTPS_PROXY"] == f"http://127.0.0.1:{port}"
    ca_mount = next(
        m for m in app["volumeMounts"] if env["SSL_CERT_FILE"].startswith(m["mountPath"])
    )
    volumes = {v["name"]: v for v in pod["volumes"]}
    app_items = volumes[ca_mount["name"]]["secret"]["items"]
    # The app gets the certificate only, never the CA's private key.
    assert [(i["key"], i["path"]) for i in app_items] == [("mitmproxy-ca-cert.pem",) * 2]
    for variable in ("REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"):
        assert env[variable] == env["SSL_CERT_FILE"]


@pytest.mark.parametrize("name", ["sidecar.yaml", "gateway.yaml"])
def test_proxy_gets_the_ca_key_in_its_confdir(name: str) -> None:
    """The Secret's key lands in the image's confdir, which stays writable (an emptyDir)."""
    pod = by_kind(name, "Deployment")["spec"]["template"]["spec"]
    proxy = [*pod.get("initContainers", []), *pod["containers"]][0]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in proxy["volumeMounts"]}
    assert "emptyDir" in volumes[mounts[CONFDIR]["name"]]
    key = mounts[f"{CONFDIR}/mitmproxy-ca.pem"]
    assert key["readOnly"] and key["subPath"] == "mitmproxy-ca.pem"
    assert volumes[key["name"]]["secret"]["secretName"] == "authlens-ca"
    # The image's uid reads the Secret through the pod's fsGroup.
    assert proxy["securityContext"]["runAsUser"] == pod["securityContext"]["fsGroup"]
    assert ENTRYPOINT[:2] == ["authlens", "run"]


@pytest.mark.parametrize("name", ["sidecar.yaml", "gateway.yaml"])
def test_metrics_setting_is_valid(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """AUTHLENS_METRICS passes authlens's validation and matches the `metrics` port."""
    pod = by_kind(name, "Deployment")["spec"]["template"]["spec"]
    proxy = [*pod.get("initContainers", []), *pod["containers"]][0]
    value = env_of(proxy)["AUTHLENS_METRICS"]
    monkeypatch.setenv("AUTHLENS_METRICS", value)
    assert load_settings().metrics == value
    ports = {p["name"]: p["containerPort"] for p in proxy["ports"]}
    assert ports["metrics"] == int(value.rpartition(":")[2])


def test_gateway_requires_proxy_auth() -> None:
    """A shared gateway listens on the pod network, so it asks for proxy credentials."""
    deployment = by_kind("gateway.yaml", "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    args = container["args"]
    (auth,) = [a for a in args if a.startswith("proxyauth=")]
    path = auth.removeprefix("proxyauth=@")
    mount = next(m for m in container["volumeMounts"] if path.startswith(m["mountPath"] + "/"))
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes[mount["name"]]["secret"]["secretName"] == "authlens-proxyauth"
    assert mode_port(args) == next(
        p["containerPort"] for p in container["ports"] if p["name"] == "proxy"
    )


def test_service_monitor_finds_the_metrics_port() -> None:
    """Structural check of the CRD: selector matches the Service, the port name exists."""
    monitor = by_kind("gateway.yaml", "ServiceMonitor")
    service = by_kind("gateway.yaml", "Service")
    deployment = by_kind("gateway.yaml", "Deployment")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(monitor["spec"]) <= {"selector", "namespaceSelector", "endpoints", "jobLabel"}
    labels = monitor["spec"]["selector"]["matchLabels"]
    assert labels.items() <= service["metadata"]["labels"].items()
    assert service["metadata"]["namespace"] in monitor["spec"]["namespaceSelector"]["matchNames"]
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert re.fullmatch(r"\d+[smh]", endpoint["interval"])
    service_ports = {p["name"]: p for p in service["spec"]["ports"]}
    target = service_ports[endpoint["port"]]["targetPort"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert target in {p["name"] for p in container["ports"]}
    assert (
        service["spec"]["selector"].items()
        <= deployment["spec"]["template"]["metadata"]["labels"].items()
    )


def test_no_key_material_in_the_manifests() -> None:
    """The CA and passwords come from Secrets created by the user, never from these files."""
    for path in DEPLOY.glob("*.yaml"):
        text = path.read_text()
        assert "BEGIN" not in text and "$2y$" not in text
        assert all(d["kind"] != "Secret" for d in documents(path.name))
