"""`authlens env` as a plan: the variables for every runtime, the notes for stderr, and undo.

The plan keeps what it replaces in AUTHLENS_ENV_SAVED (JSON: name -> the value before, or
null), so `authlens env --unset` restores a corporate `https_proxy`, an existing NO_PROXY or
JAVA_TOOL_OPTIONS exactly, and running `env` twice still remembers the first state.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from authlens.tools import runtimes_trust as files
from authlens.tools.runtimes import UNDICI_SNIPPET, node_honours_proxy, node_upgrade, parse_version
from authlens.tools.runtimes_detect import installed_version
from authlens.tools.trustenv import (
    Setting,
    client_settings,
    comment,
    merged_no_proxy,
    proxy_host,
    proxy_port,
    render_line,
    render_unset,
    reverse_alternative,
    reverse_base_url,
)

SAVED = "AUTHLENS_ENV_SAVED"


@dataclass(slots=True)
class EnvPlan:
    """What `env` prints on stdout (settings) and stderr (notes)."""

    settings: list[Setting] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def node_note(version: tuple[int, int, int] | None, proxy: str) -> str | None:
    """What to tell a user whose Node cannot be sent through the proxy by variables."""
    if version is None:
        return None
    shown = ".".join(map(str, version))
    reverse = f"OPENAI_BASE_URL={reverse_base_url(proxy_port(proxy))} (reverse mode, no CA)"
    if not node_honours_proxy(version, "fetch"):
        return (
            f"Node {shown} on PATH ignores HTTPS_PROXY and NODE_USE_ENV_PROXY: its requests will "
            f"NOT reach authlens. Upgrade to Node {node_upgrade(version)}+, or in the app: "
            f"{UNDICI_SNIPPET} (npm install undici), or use {reverse}."
        )
    if not node_honours_proxy(version, "https"):
        return (
            f"Node {shown} on PATH sends fetch through the proxy but not the `https` module "
            f"(axios, got, node-fetch): upgrade to Node {node_upgrade(version)}+ or use {reverse}."
        )
    return None


def java_settings(
    environ: Mapping[str, str], confdir: Path, ca: Path, proxy: str, plan: EnvPlan
) -> list[Setting]:
    if shutil.which("java") is None and shutil.which("keytool") is None:
        return []
    store, why = files.write_truststore(confdir, ca)
    if store is None:
        plan.notes.append(f"Java is not set up: {why}.")
        return []
    if " " in str(store):
        plan.notes.append(
            f"Java: the truststore path {store} has a space: JAVA_TOOL_OPTIONS "
            "splits on spaces; use --confdir without one."
        )
    ours = files.java_options(proxy_host(proxy), proxy_port(proxy), store)
    before = _without(environ.get("JAVA_TOOL_OPTIONS", ""), ours)
    return [
        comment("Java: proxy properties and a PKCS12 truststore (JDK cacerts + the CA)"),
        Setting("JAVA_TOOL_OPTIONS", f"{before} {ours}".strip()),
    ]


def _without(value: str, ours: str) -> str:
    """`value` without options an earlier `env` added (same property names)."""
    names = {option.split("=", 1)[0] for option in ours.split()}
    return " ".join(o for o in value.split() if o.split("=", 1)[0] not in names)


def other_settings(
    environ: Mapping[str, str],
    confdir: Path,
    bundle: Path,
    *,
    proxy: str,
    no_proxy: str,
    home: Path,
) -> list[Setting]:
    found: list[Setting] = []
    if shutil.which("wget"):
        rc = files.write_wgetrc(confdir, bundle, proxy, no_proxy, home)
        found += [comment("wget: reads no CA variable"), Setting("WGETRC", str(rc))]
    if shutil.which("php"):
        ini = files.write_php_ini(confdir, bundle, proxy_host(proxy), proxy_port(proxy))
        scan = environ.get("PHP_INI_SCAN_DIR", "")
        kept = ":".join(p for p in scan.split(":") if p != str(ini))
        # A leading empty entry keeps PHP's compiled-in scan dir (where extensions are enabled).
        found += [
            comment("PHP: curl.cainfo, openssl.cafile, streams through the proxy"),
            Setting("PHP_INI_SCAN_DIR", f"{kept}:{ini}"),
        ]
    return found


def build_plan(
    environ: Mapping[str, str],
    *,
    proxy: str,
    confdir: Path,
    ca: Path,
    bundle: Path,
    syntax: str,
    home: Path,
    prog: str = "authlens",
) -> EnvPlan:
    """Everything `env` prints, with the files it needs written."""
    plan = EnvPlan()
    no_proxy, dropped = merged_no_proxy(environ)
    if dropped:
        plan.notes.append(
            f"NO_PROXY: left out {', '.join(dropped)}: it would send the API around the proxy."
        )
    for name in ("https_proxy", "HTTPS_PROXY"):
        old = environ.get(name, "").strip()
        if old and old.rstrip("/") != proxy.rstrip("/") and SAVED not in environ:
            plan.notes.append(
                f"{name} was {old}: authlens now comes first; if it is needed to reach the "
                f"internet, start authlens with --mode upstream:{old}"
            )
            break
    settings = client_settings(proxy, bundle, ca, syntax, no_proxy)
    settings += java_settings(environ, confdir, ca, proxy, plan)
    settings += other_settings(environ, confdir, bundle, proxy=proxy, no_proxy=no_proxy, home=home)
    if syntax != "dotenv":
        settings.append(Setting(SAVED, saved_state(environ, settings)))
    node = parse_version(installed_version("node") or "")
    if (note := node_note(node, proxy)) is not None:
        plan.notes.append(note)
    plan.settings = settings + reverse_alternative(proxy, syntax, prog)
    return plan


def saved_state(environ: Mapping[str, str], settings: list[Setting]) -> str:
    """JSON of each variable's value before the first `env` (null: it was not set)."""
    try:
        saved = json.loads(environ.get(SAVED, "{}"))
    except ValueError:
        saved = {}
    if not isinstance(saved, dict):
        saved = {}
    for setting in settings:
        if setting.name and setting.name not in saved:
            saved[setting.name] = environ.get(setting.name)
    return json.dumps(saved, separators=(",", ":"), sort_keys=True)


def undo_lines(environ: Mapping[str, str], shell: str, names: list[str]) -> str:
    """The lines that restore what `env` replaced (or unset `names` when nothing was saved)."""
    try:
        saved = json.loads(environ.get(SAVED, "null"))
    except ValueError:
        saved = None
    if not isinstance(saved, dict):
        saved = dict.fromkeys(names)
    lines = [comment("authlens: undo `authlens env`")]
    rendered = [render_line(shell, lines[0])]
    for name, value in sorted(saved.items()):
        if isinstance(value, str):
            rendered.append(render_line(shell, Setting(name, value)))
        else:
            rendered.append(render_unset(shell, name))
    rendered.append(render_unset(shell, SAVED))
    return "".join(f"{line}\n" for line in rendered)
