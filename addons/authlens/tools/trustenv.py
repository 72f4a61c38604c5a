"""What a client needs to go through the proxy and trust its CA: what `authlens env` prints.

SSL_CERT_FILE (httpx, the openai SDK, OpenSSL, Go, Ruby), REQUESTS_CA_BUNDLE and
CURL_CA_BUNDLE each *replace* the trust store, so pointing them at the bare mitmproxy CA breaks
every other HTTPS call. They get a combined bundle instead: the system roots plus the mitmproxy
CA. Node's NODE_EXTRA_CA_CERTS adds to its built-in roots, so it gets the bare CA.

Proxy variables are set in both cases: curl, wget and Python read the lowercase one first, so
a corporate `https_proxy` left in the shell would otherwise win over our `HTTPS_PROXY`.
NO_PROXY keeps what was there, minus entries that would send the API around the proxy.
"""

from __future__ import annotations

import argparse
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import certifi  # a mitmproxy dependency

from authlens.registry import PROVIDERS
from authlens.tools.noproxy import bypasses

CA_FILE = "mitmproxy-ca-cert.pem"
BUNDLE_FILE = "authlens-ca-bundle.pem"
SHELLS = ("bash", "zsh", "fish", "powershell", "dotenv")
API_HOSTS = (PROVIDERS["openai"].hosts[0],)  # the host the NO_PROXY merge must never exclude
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
_SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine with ca-certificates
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/cert.pem",  # macOS, Alpine
    "/etc/ssl/ca-bundle.pem",  # openSUSE
)


DEFAULT_PROXY = "http://127.0.0.1:8080"


def default_confdir() -> Path:
    return Path.home() / ".mitmproxy"


def add_proxy_arguments(parser: argparse.ArgumentParser, *, proxy: bool = True) -> None:
    """`--proxy` and `--confdir`, as `check`, `env` and `doctor` all take them."""
    if proxy:
        parser.add_argument(
            "--proxy", default=DEFAULT_PROXY, help=f"the proxy URL (default: {DEFAULT_PROXY})"
        )
    parser.add_argument(
        "--confdir",
        type=Path,
        default=None,
        help="the proxy's mitmproxy confdir, where its CA lives (default: ~/.mitmproxy)",
    )


def system_trust(environ: Mapping[str, str], exclude: Path) -> Path | None:
    """The trust store clients use today: SSL_CERT_FILE, OpenSSL's, a distro's, certifi's."""
    candidates = [environ.get("SSL_CERT_FILE", ""), ssl.get_default_verify_paths().cafile or ""]
    candidates += [*_SYSTEM_BUNDLES, certifi.where()]
    for candidate in candidates:
        path = Path(candidate) if candidate else None
        if path and path.is_file() and path.resolve() != exclude.resolve():
            return path
    return None


def combined_bundle(base: bytes, ca: bytes) -> bytes:
    """`base` followed by `ca`, unless `base` already holds it."""
    if ca.strip() in base:
        return base
    return base.rstrip(b"\n") + b"\n\n# mitmproxy CA, added by authlens env\n" + ca.strip() + b"\n"


def write_bundle(path: Path, base: Path | None, ca: Path) -> None:
    """Write the combined bundle atomically (clients may be reading the old one)."""
    content = combined_bundle(base.read_bytes() if base else b"", ca.read_bytes())
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_bytes(content)
    partial.replace(path)


@dataclass(frozen=True, slots=True)
class Setting:
    """One variable to set, or a comment line when `name` is empty."""

    name: str
    value: str = ""


def comment(text: str) -> Setting:
    return Setting("", text)


def proxy_port(proxy: str) -> int:
    return urlsplit(proxy).port or 8080


def proxy_host(proxy: str) -> str:
    return urlsplit(proxy).hostname or "127.0.0.1"


def merged_no_proxy(environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """(NO_PROXY with both cases' entries and loopback, entries dropped because they cover
    the API host)."""
    entries: list[str] = []
    for name in ("no_proxy", "NO_PROXY"):
        entries += [e.strip() for e in environ.get(name, "").split(",") if e.strip()]
    dropped = [e for e in entries if any(bypasses(e, host) for host in API_HOSTS)]
    kept = [e for e in dict.fromkeys(entries) if e not in dropped]
    kept += [h for h in LOCAL_HOSTS if h not in kept]
    return ",".join(kept), list(dict.fromkeys(dropped))


def proxy_settings(proxy: str, no_proxy: str) -> list[Setting]:
    """Both cases: lowercase wins in curl, wget and Python; Ruby reads `http_proxy`."""
    return [
        Setting("HTTPS_PROXY", proxy),
        Setting("https_proxy", proxy),
        Setting("HTTP_PROXY", proxy),
        Setting("http_proxy", proxy),
        Setting("NO_PROXY", no_proxy),
        Setting("no_proxy", no_proxy),
    ]


def reverse_base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/v1"


def reverse_alternative(proxy: str, shell: str, prog: str = "authlens") -> list[Setting]:
    port = proxy_port(proxy)
    return [
        comment(""),
        comment("Alternative without a CA (reverse mode): start the proxy with"),
        comment(f"  {prog} run --mode reverse:https://{API_HOSTS[0]} -p {port}"),
        comment("and point only the OpenAI client at it (instead of the lines above):"),
        comment(f"  {render_line(shell, Setting('OPENAI_BASE_URL', reverse_base_url(port)))}"),
    ]


def client_settings(
    proxy: str, bundle: Path, ca: Path, shell: str = "bash", no_proxy: str | None = None
) -> list[Setting]:
    """Proxy and CA variables for Python, Node, curl, Go and Ruby, then reverse mode."""
    return [
        comment("authlens: send HTTPS through the proxy (regular mode), both cases"),
        *proxy_settings(proxy, no_proxy or ",".join(LOCAL_HOSTS)),
        comment("Python requests (and pip): the system roots plus the mitmproxy CA"),
        Setting("REQUESTS_CA_BUNDLE", str(bundle)),
        comment("Python httpx, the openai SDK, Go, Ruby, OpenSSL: replaces the trust store"),
        Setting("SSL_CERT_FILE", str(bundle)),
        comment("Node: adds the CA to the built-in roots; the proxy needs Node 22.21+ / 24.5+"),
        Setting("NODE_EXTRA_CA_CERTS", str(ca)),
        Setting("NODE_USE_ENV_PROXY", "1"),
        comment("curl"),
        Setting("CURL_CA_BUNDLE", str(bundle)),
    ]


def _sh_quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def render_line(shell: str, setting: Setting) -> str:
    """`setting` in `shell`'s syntax."""
    if not setting.name:
        return f"# {setting.value}".rstrip()
    name, value = setting.name, setting.value
    if shell == "fish":
        escaped = value.replace("\\", "\\\\").replace("'", "\\'")
        return f"set -gx {name} '{escaped}'"
    if shell == "powershell":
        return f"$env:{name} = '{value.replace(chr(39), chr(39) * 2)}'"
    if shell == "dotenv":
        plain = value and not any(c in value for c in " \t#'\"$\\")
        return f"{name}={value}" if plain else f'{name}="{value}"'
    return f"export {name}={_sh_quote(value)}"


def render_unset(shell: str, name: str) -> str:
    """The line that removes `name` from `shell`'s environment."""
    if shell == "fish":
        return f"set -e {name}"
    if shell == "powershell":
        return f"Remove-Item Env:{name} -ErrorAction SilentlyContinue"
    return f"unset {name}"


def render(shell: str, settings: list[Setting]) -> str:
    return "".join(f"{render_line(shell, s)}\n" for s in settings)


def default_shell(environ: Mapping[str, str]) -> str:
    """The user's shell from $SHELL; PowerShell on Windows; bash otherwise (see
    runtimes_shell.detect_shell for the running one)."""
    if os.name == "nt":
        return "powershell"
    name = Path(environ.get("SHELL", "")).name
    return name if name in ("bash", "zsh", "fish") else "bash"


def apply_hint(shell: str, prog: str = "authlens") -> str:
    """How to load the printed lines into the current shell."""
    return {
        "fish": f"{prog} env --shell fish | source",
        "powershell": f"{prog} env --shell powershell | Out-String | Invoke-Expression",
        "dotenv": f"{prog} env --shell dotenv > authlens.env",
    }.get(shell, f'eval "$({prog} env)"')
