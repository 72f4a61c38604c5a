"""`authlens doctor` without the command line: one row per runtime client, proven or not.

Each installed runtime of the project runs its canaries with the environment `authlens env`
gives (the current one plus env's lines), through the running proxy; a runtime that is not
installed is reported from the project files alone, with null booleans (not verified).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from authlens.tools.runtimes import (
    AIOHTTP_SNIPPET,
    BY_NAME,
    RUNTIMES,
    UNDICI_SNIPPET,
    node_honours_proxy,
    node_upgrade,
    parse_version,
)
from authlens.tools.runtimes_canary import CanaryResult, run_canary
from authlens.tools.runtimes_detect import ProjectRuntime, installed_version, project_runtimes
from authlens.tools.trustenv import proxy_port, reverse_base_url

_CA_VARIABLE = {
    ("python", "requests"): "REQUESTS_CA_BUNDLE",
    ("node", ""): "NODE_EXTRA_CA_CERTS",
    ("java", ""): "JAVA_TOOL_OPTIONS (-Djavax.net.ssl.trustStore)",
    ("curl", ""): "CURL_CA_BUNDLE",
    ("wget", ""): "WGETRC (ca_certificate)",
    ("php", ""): "PHP_INI_SCAN_DIR (curl.cainfo)",
}


@dataclass(frozen=True, slots=True)
class Row:
    """One line of `doctor --json` (contract section 8), plus notes for the human view."""

    runtime: str
    client: str
    version: str | None
    installed: bool
    verified: bool
    reaches_proxy: bool | None
    trusts_ca: bool | None
    fix: str | None
    hint_seen: bool | None = None
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "runtime": self.runtime,
            "client": self.client,
            "version": self.version,
            "installed": self.installed,
            "verified": self.verified,
            "reaches_proxy": self.reaches_proxy,
            "trusts_ca": self.trusts_ca,
            "fix": self.fix,
        }


def ca_variable(runtime: str, client: str) -> str:
    return _CA_VARIABLE.get((runtime, client)) or _CA_VARIABLE.get((runtime, ""), "SSL_CERT_FILE")


def reach_fix(runtime: str, client: str, version: str | None, prog: str) -> str:
    """Why this client did not reach the proxy with env's variables, and what to do."""
    if runtime == "python" and client == "aiohttp":
        return f"aiohttp ignores HTTPS_PROXY by default: create the session as {AIOHTTP_SNIPPET}"
    parsed = parse_version(version or "")
    if runtime == "node" and parsed and not node_honours_proxy(parsed, client):
        what = "fetch" if client == "fetch" else "the `https` module"
        snippet = f" or in the app: {UNDICI_SNIPPET}" if client == "fetch" else ""
        return (
            f"Node {version} {what} ignores HTTPS_PROXY even with NODE_USE_ENV_PROXY=1: "
            f"upgrade to Node {node_upgrade(parsed)}+{snippet}"
        )
    return (
        f'{client} did not go through the proxy: run eval "$({prog} env)" in the shell '
        "that starts the app, and check NO_PROXY"
    )


def row_for(
    runtime: str, client: str, version: str | None, result: CanaryResult, *, prog: str, port: int
) -> Row:
    reverse = f"; or, without proxy variables or CA: OPENAI_BASE_URL={reverse_base_url(port)}"
    fix = None
    if not result.reaches_proxy:
        fix = reach_fix(runtime, client, version, prog).rstrip(";") + reverse
    elif not result.trusts_ca:
        fix = (
            f"{client} does not trust the authlens CA: set {ca_variable(runtime, client)} "
            f'as eval "$({prog} env)" does{reverse}'
        )
    elif not result.hint_seen:
        fix = (
            f"the error {client} raises does not show the hint: on a failed response, log "
            "the body or the X-Authlens-Hint header"
        )
    return Row(
        runtime,
        client,
        version,
        True,
        True,
        result.reaches_proxy,
        result.trusts_ca,
        fix,
        result.hint_seen,
    )


def diagnose_runtimes(
    root: Path, env: Mapping[str, str], workdir: Path, proxy: str, prog: str
) -> list[Row]:
    """Every runtime of the project at `root` (every installed one when nothing is found)."""
    found = project_runtimes(root)
    if not found:
        found = [ProjectRuntime(r.name, list(r.clients)) for r in RUNTIMES]
        found = [f for f in found if installed_version(f.name) is not None]
        for f in found:
            f.notes.append("no project files here: checked because it is installed")
    rows: list[Row] = []
    for runtime in found:
        version = installed_version(runtime.name)
        notes = tuple(runtime.notes)
        if runtime.wanted:
            notes += (f"package.json wants node {runtime.wanted}",)
        for client in runtime.clients:
            if version is None:
                rows.append(
                    Row(
                        runtime.name,
                        client,
                        None,
                        False,
                        False,
                        None,
                        None,
                        f"{BY_NAME[runtime.name].label} is not installed here: not verified",
                        None,
                        notes,
                    )
                )
                continue
            result = run_canary(runtime.name, client, env, workdir / runtime.name / client)
            if result.missing:
                rows.append(
                    Row(
                        runtime.name,
                        client,
                        version,
                        True,
                        False,
                        None,
                        None,
                        f"not verified: {result.missing} is not importable here",
                        None,
                        notes,
                    )
                )
                continue
            row = row_for(runtime.name, client, version, result, prog=prog, port=proxy_port(proxy))
            rows.append(replace(row, notes=notes))
    return rows
