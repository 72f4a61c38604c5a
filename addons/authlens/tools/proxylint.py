"""Checks on the proxy and CA variables: will the client really go through authlens, and trust it?

Lower-case `https_proxy`/`no_proxy` win over upper-case in curl and Python, so they are read
first (a conflict between the two is a finding of its own: `runtimes_lint`). Only a proxy
that looks like authlens (loopback, a docker host name, a service named
authlens or mitmproxy) is taken to intercept TLS: a corporate proxy that only tunnels needs
no CA, and offline there is no way to tell them apart.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from authlens.exchange import Finding, Side
from authlens.tools.noproxy import bypasses
from authlens.tools.runtimes_detect import (
    ProjectRuntime,
    installed_version,
    project_runtimes,
)
from authlens.tools.runtimes_lint import (
    ca_checks,
    case_conflict,
    node_findings,
    python_clients_ignoring_proxy,
    safe_url,
    variable_findings,
)

_INTERCEPTING_NAMES = frozenset({"localhost", "host.docker.internal", "authlens", "mitmproxy"})
_PROXY_AGENTS = frozenset({"global-agent", "https-proxy-agent", "proxy-agent", "hpagent", "undici"})


@dataclass(frozen=True, slots=True)
class ProxyContext:
    """What the proxy checks read besides the variables."""

    project_dir: Path
    ca_pem: bytes | None  # the mitmproxy CA, when it can be found
    ca_path: Path
    exported: frozenset[str] | None = None  # names in the real environment (not from .env)
    node_version: str | None = None  # the Node on PATH; None: not known, not checked


def runtime_context(project_dir: Path, ca_pem: bytes | None, ca_path: Path) -> ProxyContext:
    """The context `check` uses: this process's environment and the Node on PATH."""
    exported = frozenset(os.environ)
    return ProxyContext(project_dir, ca_pem, ca_path, exported, installed_version("node"))


def first_set(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    """(name, value) of the first of `names` set to a non-empty value."""
    for name in names:
        if env.get(name, "").strip():
            return name, env[name].strip()
    return None


def proxy_variable(env: Mapping[str, str]) -> tuple[str, str] | None:
    return first_set(env, "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


def looks_intercepting(proxy: str) -> bool:
    host = (urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname or "").lower()
    return host in _INTERCEPTING_NAMES or host.startswith("127.") or host == "::1"


def node_project(project_dir: Path) -> dict[str, object] | None:
    """The parsed package.json of a Node project, or None when there is none."""
    try:
        data = json.loads((project_dir / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {} if (project_dir / "package.json").exists() else None
    return data if isinstance(data, dict) else {}


def trusts(path_value: str | None, ca_pem: bytes | None) -> bool:
    """True when a CA variable names a file (or directory) that holds the mitmproxy CA."""
    if not path_value:
        return False
    path = Path(path_value)
    files = sorted(path.iterdir())[:2000] if path.is_dir() else [path]
    for file in files:
        try:
            content = file.read_bytes() if file.is_file() else b""
        except OSError:
            continue
        if ca_pem is None and content.strip():
            return True  # the CA is not known here: a readable bundle is the best we can check
        if ca_pem is not None and ca_pem.strip() in content:
            return True
    return False


def project_of(ctx: ProxyContext) -> list[ProjectRuntime]:
    """The project's runtimes; a folder with none is taken for a Python app (authlens's own
    probe and most OpenAI clients)."""
    return project_runtimes(ctx.project_dir) or [ProjectRuntime("python", ["openai"])]


def ca_findings(
    env: Mapping[str, str], proxy: tuple[str, str], ctx: ProxyContext
) -> list[tuple[str, Finding]]:
    """`ca_not_trusted` for each runtime of the project that would refuse the authlens CA."""
    name, value = proxy
    found = []
    for runtime in project_of(ctx):
        checks = ca_checks(env, runtime, lambda path: trusts(path, ctx.ca_pem), ctx.ca_path)
        for variable, who, fix in checks:
            found.append(
                (
                    variable,
                    Finding(
                        "ca_not_trusted",
                        (
                            f"{name}={safe_url(value)} points at an intercepting proxy, but "
                            f"{variable} does not trust its CA ({ctx.ca_path}), so {who} fail with "
                            f"a certificate error: {fix}."
                        ),
                        Side.REQUEST,
                    ),
                )
            )
    return found


def node_ignores_proxy(env: Mapping[str, str], package: Mapping[str, object]) -> bool:
    """Node's built-in fetch ignores HTTPS_PROXY unless told (NODE_USE_ENV_PROXY or an agent)."""
    if env.get("NODE_USE_ENV_PROXY") == "1" or "--use-env-proxy" in env.get("NODE_OPTIONS", ""):
        return False
    dependencies: set[str] = set()
    for section in ("dependencies", "devDependencies"):
        value = package.get(section)
        if isinstance(value, dict):
            dependencies |= set(value)
    return not (dependencies & _PROXY_AGENTS)


def runtime_findings(env: Mapping[str, str], ctx: ProxyContext) -> list[tuple[str, Finding]]:
    """What each runtime of the project does with the proxy variables."""
    found = case_conflict(env)
    for runtime in project_of(ctx):
        found += variable_findings(env, runtime.name)
        if runtime.name == "python":
            found += python_clients_ignoring_proxy(ctx.project_dir, runtime)
        if runtime.name == "node":
            package = node_project(ctx.project_dir) or {}
            if node_ignores_proxy(env, package):
                found.append(
                    (
                        "HTTPS_PROXY",
                        Finding(
                            "proxy_ignored_by_runtime",
                            (
                                "Node's built-in fetch (openai-node) ignores HTTPS_PROXY: set "
                                "NODE_USE_ENV_PROXY=1 (Node 22.21+ or 24.5+), or give the client "
                                "an undici EnvHttpProxyAgent."
                            ),
                            Side.REQUEST,
                        ),
                    )
                )
            found += node_findings(env, runtime, ctx.node_version, ctx.exported)
    return found


def proxy_findings(
    env: Mapping[str, str], api_host: str, ctx: ProxyContext
) -> list[tuple[str, Finding]]:
    """(variable, finding) pairs about the proxy setup for requests to `api_host`."""
    proxy = proxy_variable(env)
    if proxy is None:
        return []
    found: list[tuple[str, Finding]] = []
    no_proxy = first_set(env, "no_proxy", "NO_PROXY")
    if no_proxy and bypasses(no_proxy[1], api_host):
        found.append(
            (
                no_proxy[0],
                Finding(
                    "proxy_bypassed",
                    (
                        f"{no_proxy[0]} covers {api_host}, so requests skip {proxy[0]} and "
                        f"authlens never sees them: remove the entry that matches {api_host} from "
                        f"{no_proxy[0]}."
                    ),
                    Side.REQUEST,
                ),
            )
        )
        return found
    found += runtime_findings(env, ctx)
    if looks_intercepting(proxy[1]):
        found += ca_findings(env, proxy, ctx)
    return found
