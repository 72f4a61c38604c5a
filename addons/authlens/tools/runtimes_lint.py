"""`check`'s per-runtime proxy and CA checks: each finding names its runtime and its fix.

Which variable a runtime reads is the whole question: lowercase `https_proxy` wins over
`HTTPS_PROXY` in Python, curl, wget, Ruby and Node (Go reads the uppercase first); Ruby's
Net::HTTP reads `http_proxy` even for https; wget reads only lowercase; Java reads neither
(system properties); Node reads NODE_USE_ENV_PROXY at startup, before a `.env` is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from authlens.exchange import Finding, Side
from authlens.tools.runtimes import (
    AIOHTTP_SNIPPET,
    UNDICI_SNIPPET,
    node_honours_proxy,
    node_upgrade,
    parse_version,
)
from authlens.tools.runtimes_detect import ProjectRuntime

ENV_LINES = 'eval "$(authlens env)"'
_MAX_SOURCES = 500


def safe_url(url: str) -> str:
    """`url` without a password: proxy URLs may carry credentials."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.password:
        return url.replace(f":{parts.password}@", ":****@", 1)
    return url


def finding(cause: str, hint: str) -> Finding:
    return Finding(cause, hint, Side.REQUEST)


def case_conflict(env: Mapping[str, str]) -> list[tuple[str, Finding]]:
    """`https_proxy` and `HTTPS_PROXY` differ: most runtimes take the lowercase one."""
    lower, upper = env.get("https_proxy", "").strip(), env.get("HTTPS_PROXY", "").strip()
    if not lower or not upper or lower.rstrip("/") == upper.rstrip("/"):
        return []
    return [
        (
            "https_proxy",
            finding(
                "proxy_ignored_by_runtime",
                (
                    f"https_proxy={safe_url(lower)} and HTTPS_PROXY={safe_url(upper)} differ: "
                    "Python, curl, wget, Ruby and Node use the lowercase https_proxy (it wins), "
                    f"Go the uppercase one; set both to the same proxy ({ENV_LINES} sets both) or "
                    "unset https_proxy."
                ),
            ),
        )
    ]


def node_findings(
    env: Mapping[str, str],
    runtime: ProjectRuntime,
    version: str | None,
    exported: frozenset[str] | None,
) -> list[tuple[str, Finding]]:
    found: list[tuple[str, Finding]] = []
    parsed = parse_version(version or "")
    if parsed is not None and not node_honours_proxy(parsed, runtime.clients[-1]):
        client = "fetch" if runtime.clients[-1] == "fetch" else "fetch and the `https` module"
        found.append(
            (
                "NODE_USE_ENV_PROXY",
                finding(
                    "proxy_ignored_by_runtime",
                    (
                        f"Node {version} ({client}) ignores HTTPS_PROXY even with "
                        f"NODE_USE_ENV_PROXY=1: upgrade to Node {node_upgrade(parsed)}+, or in the "
                        f"app: {UNDICI_SNIPPET}, or use reverse mode "
                        "(OPENAI_BASE_URL=http://127.0.0.1:8080/v1)."
                    ),
                ),
            )
        )
    if exported is not None:
        late = [
            n
            for n in ("NODE_USE_ENV_PROXY", "NODE_EXTRA_CA_CERTS")
            if env.get(n) and n not in exported
        ]
        if late:
            found.append(
                (
                    late[0],
                    finding(
                        "proxy_ignored_by_runtime",
                        (
                            f"{' and '.join(late)} come from a .env file, but Node reads them at "
                            "startup, before dotenv or --env-file load it: export them in the "
                            f"shell that starts node ({ENV_LINES})."
                        ),
                    ),
                )
            )
    return found


def python_clients_ignoring_proxy(root: Path, runtime: ProjectRuntime) -> list[tuple[str, Finding]]:
    """aiohttp ignores HTTPS_PROXY unless a session says trust_env=True somewhere."""
    if "aiohttp" not in runtime.clients:
        return []
    sources = [
        p for p in root.rglob("*.py") if not {".venv", "node_modules", "venv"} & set(p.parts)
    ]
    for path in sources[:_MAX_SOURCES]:
        try:
            if re.search(r"trust_env\s*=\s*True", path.read_text(errors="replace")):
                return []
        except OSError:
            continue
    return [
        (
            "HTTPS_PROXY",
            finding(
                "proxy_ignored_by_runtime",
                (
                    "aiohttp ignores HTTPS_PROXY unless the session trusts the environment: "
                    f"create it as {AIOHTTP_SNIPPET}."
                ),
            ),
        )
    ]


def variable_findings(env: Mapping[str, str], name: str) -> list[tuple[str, Finding]]:
    """Runtimes that read other proxy variables than HTTPS_PROXY."""
    if name == "java" and "https.proxyHost" not in env.get("JAVA_TOOL_OPTIONS", ""):
        return [
            (
                "JAVA_TOOL_OPTIONS",
                finding(
                    "proxy_ignored_by_runtime",
                    (
                        "Java ignores HTTPS_PROXY: it needs -Dhttps.proxyHost/-Dhttps.proxyPort "
                        f"and a truststore in JAVA_TOOL_OPTIONS ({ENV_LINES} writes both)."
                    ),
                ),
            )
        ]
    if name == "wget" and not env.get("https_proxy"):
        return [
            (
                "https_proxy",
                finding(
                    "proxy_ignored_by_runtime",
                    (
                        f"wget reads only the lowercase https_proxy: set it ({ENV_LINES} sets both "
                        "cases)."
                    ),
                ),
            )
        ]
    if name == "ruby" and not (env.get("http_proxy") or env.get("HTTP_PROXY")):
        return [
            (
                "http_proxy",
                finding(
                    "proxy_ignored_by_runtime",
                    (
                        "Ruby's Net::HTTP reads http_proxy, even for https URLs: set http_proxy "
                        f"to the same proxy ({ENV_LINES})."
                    ),
                ),
            )
        ]
    return []


type Trusts = Callable[[str | None], bool]


def ca_checks(
    env: Mapping[str, str], runtime: ProjectRuntime, trusts: Trusts, ca_path: Path
) -> list[tuple[str, str, str]]:
    """(variable, who, what to set) for each client of `runtime` that would refuse the CA."""
    name = runtime.name
    bundle_fix = f"point it at a bundle of the system roots plus {ca_path} ({ENV_LINES})"
    missing: list[tuple[str, str, str]] = []
    if name in ("python", "go", "ruby") and not (
        trusts(env.get("SSL_CERT_FILE"))
        or (not env.get("SSL_CERT_FILE") and trusts(env.get("SSL_CERT_DIR")))
    ):
        who = {
            "python": "the openai SDK, httpx, aiohttp and urllib",
            "go": "Go's net/http",
            "ruby": "Ruby's Net::HTTP",
        }[name]
        missing.append(("SSL_CERT_FILE", who, bundle_fix))
    if (
        name == "python"
        and "requests" in runtime.clients
        and not trusts(env.get("REQUESTS_CA_BUNDLE"))
    ):
        missing.append(("REQUESTS_CA_BUNDLE", "requests", bundle_fix))
    if name == "node" and not trusts(env.get("NODE_EXTRA_CA_CERTS")):
        missing.append(("NODE_EXTRA_CA_CERTS", "Node", f"set NODE_EXTRA_CA_CERTS={ca_path}"))
    if name == "curl" and not trusts(env.get("CURL_CA_BUNDLE")):
        missing.append(("CURL_CA_BUNDLE", "curl", bundle_fix))
    store = re.search(r"-Djavax\.net\.ssl\.trustStore=(\S+)", env.get("JAVA_TOOL_OPTIONS", ""))
    if name == "java" and not (store and Path(store[1]).is_file()):
        store_fix = f"the JDK's cacerts plus {ca_path} as -Djavax.net.ssl.trustStore"
        missing.append(("JAVA_TOOL_OPTIONS", "Java", f"{store_fix} ({ENV_LINES})"))
    if name == "wget" and not trusts(_setting(env.get("WGETRC"), "ca_certificate")):
        missing.append(
            ("WGETRC", "wget", f"a wgetrc with ca_certificate = {ca_path} ({ENV_LINES})")
        )
    if name == "php" and not any(
        trusts(_setting(str(ini), "curl.cainfo"))
        for directory in env.get("PHP_INI_SCAN_DIR", "").split(":")
        if directory
        for ini in sorted(Path(directory).glob("*.ini"))[:50]
    ):
        ini_fix = f"an ini with curl.cainfo and openssl.cafile = a bundle holding {ca_path}"
        missing.append(("PHP_INI_SCAN_DIR", "PHP (curl, streams)", f"{ini_fix} ({ENV_LINES})"))
    return missing


def _setting(path: str | None, key: str) -> str | None:
    """The value of `key = value` in an ini-like file (wgetrc, php.ini), or None."""
    if not path:
        return None
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return None
    found = re.findall(rf"(?m)^\s*{re.escape(key)}\s*=\s*\"?([^\"\n]+?)\"?\s*$", text)
    return found[-1] if found else None
