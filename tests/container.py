"""Run the image's ENTRYPOINT, CMD and HEALTHCHECK as its container would, without Docker.

`python -m tests.container SPEC.json` runs inside `unshare --mount --net` (Linux, root): a
network namespace of its own (only loopback, so the image's fixed ports and its 0.0.0.0 are
private and nothing can reach the internet) and a mount namespace in which the image's paths
exist: the volume folders are bind-mounted at the image's paths (over a tmpfs on their nearest
existing parent), and /etc/hosts names `authlens` (the compose service) and api.openai.com as
127.0.0.1, where the TLS fake OpenAI listens on 443. The commands themselves run unchanged;
the proxy only gets one more `--set`, to trust the fake's test CA (what a compose `command:`
could add). It writes what it saw to the SPEC's `out` file; tests/test_compose_live.py judges.
"""

from __future__ import annotations

import fcntl
import json
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import openai

from authlens.fake_openai import FakeOpenAI

SIOCSIFFLAGS, IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x8914, 0x1, 0x8, 0x40


def loopback_up() -> None:
    """A new network namespace starts with `lo` down."""
    flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags))


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True)


def lay_out_volumes(volumes: dict[str, str], keep: list[str]) -> None:
    """Bind each volume folder at its image path, over a tmpfs on the nearest existing parent."""
    parents = set()
    for target in volumes:
        parent = Path(target)
        while not parent.exists():
            parent = parent.parent
        if parent == Path("/") or any(Path(k).is_relative_to(parent) for k in keep):
            raise SystemExit(f"cannot lay {target} out: a tmpfs on {parent} would hide too much")
        parents.add(parent)
    for parent in sorted(parents):
        mount("-t", "tmpfs", "tmpfs", str(parent))
    for target, source in volumes.items():
        Path(target).mkdir(parents=True, exist_ok=True)
        mount("--bind", source, target)


def name_hosts(names: list[str], scratch: Path) -> None:
    hosts = scratch / "hosts"
    hosts.write_text("127.0.0.1 localhost " + " ".join(names) + "\n::1 localhost\n")
    mount("--bind", str(hosts), "/etc/hosts")


def healthcheck(spec: dict[str, Any]) -> int:
    argv, env = spec["healthcheck"], spec["env"]
    return subprocess.run(argv, env=env, capture_output=True, timeout=30, check=False).returncode


def wait_healthy(spec: dict[str, Any], proxy: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proxy.poll() is None:
        if healthcheck(spec) == 0:
            return True
        time.sleep(0.2)
    return False


def call(base_url: str, key: str, http_client: httpx.Client) -> dict[str, Any]:
    """One models.list() with the openai SDK: the status and authlens' headers."""
    client = openai.OpenAI(api_key=key, base_url=base_url, max_retries=0, http_client=http_client)
    try:
        response = client.models.with_raw_response.list()
        status, headers = response.http_response.status_code, response.headers
    except openai.APIStatusError as e:
        status, headers = e.status_code, e.response.headers
    return {
        "status": status,
        "cause": headers.get("x-authlens-cause"),
        "id": headers.get("x-authlens-id"),
    }


def exercise(spec: dict[str, Any]) -> dict[str, Any]:
    """Both modes, a good and a bad key each, as the compose clients reach them."""
    ca = ssl.create_default_context(cafile=spec["proxy_ca"])
    regular = httpx.Client(proxy=spec["https_proxy"], verify=ca, trust_env=False, timeout=20)
    reverse = httpx.Client(trust_env=False, timeout=20)
    results = {}
    with regular, reverse:
        for key_name in ("good_key", "bad_key"):
            api = "https://api.openai.com/v1"
            results[f"regular/{key_name}"] = call(api, spec[key_name], regular)
            results[f"reverse/{key_name}"] = call(spec["reverse_base_url"], spec[key_name], reverse)
    return results


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    scratch = Path(tempfile.mkdtemp(dir=spec["scratch"]))
    loopback_up()
    lay_out_volumes(spec["volumes"], keep=[sys.prefix, spec["scratch"], spec["repo"]])
    name_hosts(spec["hosts"], scratch)
    upstream = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    upstream.load_cert_chain(spec["upstream_cert"])
    seen: dict[str, Any] = {"healthy_before_start": healthcheck(spec) == 0}
    with FakeOpenAI([spec["good_key"]], ssl_context=upstream, port=443) as fake:
        with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
            proxy = subprocess.Popen(spec["argv"], env=spec["env"], stdout=out, stderr=err)
        try:
            seen["healthy_after_start"] = wait_healthy(spec, proxy)
            if seen["healthy_after_start"]:
                seen["calls"] = exercise(spec)
                seen["upstream_requests"] = len(fake.requests)
                cert = Path(spec["proxy_ca"])
                cert.rename(cert.with_suffix(".away"))
                seen["healthy_without_ca"] = healthcheck(spec) == 0
                cert.with_suffix(".away").rename(cert)
        finally:
            proxy.send_signal(signal.SIGTERM)  # what `docker stop` sends
            seen["exit_code_on_sigterm"] = proxy.wait(30)
    Path(spec["out"]).write_text(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
