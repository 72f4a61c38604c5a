"""Checks on the value of one client variable: keys, organization, project, base URLs.

Keys, organization and project ids go through the shared classifier
(`authlens.credentials.classify`), the one the proxy applies to requests, told which variable
the value comes from and which host the client will send it to (OPENAI_BASE_URL), so `check`
and the proxy agree on every cause and an Anthropic key with https://api.anthropic.com/v1 is
not a false alarm. Base URLs are checked here: only the environment shows them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

from authlens.credentials.classify import (
    classify_key_value,
    classify_organization,
    classify_project,
)
from authlens.exchange import Finding, Side
from authlens.registry import PROVIDERS

_OPENAI, _AZURE = PROVIDERS["openai"], PROVIDERS["azure"]

OPENAI_HOST = _OPENAI.hosts[0]
_AZURE_ROOT = _AZURE.base_url + "/"
KEY_VARIABLES = ("OPENAI_API_KEY", "OPENAI_ADMIN_KEY", "AZURE_OPENAI_API_KEY")
_ENDPOINTS = (
    "/chat/completions",
    "/completions",
    "/responses",
    "/embeddings",
    "/models",
    "/images/generations",
    "/audio/transcriptions",
    "/audio/speech",
    "/moderations",
)


def key_findings(variable: str, value: str, host: str | None) -> list[Finding]:
    """The classifier's finding for the key in `variable`, sent to `host` (None: the default)."""
    if host is None:
        host = "" if variable.startswith("AZURE_") else OPENAI_HOST
    finding = classify_key_value(value, location=f"env:{variable}", host=host)
    return [finding] if finding is not None else []


def organization_findings(variable: str, value: str) -> list[Finding]:
    finding = classify_organization(value, location=f"env:{variable}")
    return [finding] if finding is not None else []


def project_findings(variable: str, value: str) -> list[Finding]:
    finding = classify_project(value, location=f"env:{variable}")
    return [finding] if finding is not None else []


def is_private_host(host: str) -> bool:
    """Loopback, a private address, or a name only a local network resolves."""
    if host in ("localhost", "host.docker.internal") or "." not in host:
        return True
    if host.endswith((".local", ".internal", ".localhost", ".lan")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback


# Host labels that name no provider: what is left of `api.groq.com` is GROQ.
_GENERIC_LABELS = frozenset(
    {
        "api",
        "www",
        "com",
        "net",
        "org",
        "io",
        "ai",
        "app",
        "dev",
        "co",
        "cloud",
        "services",
        "inference",
        "openai",
        "v1",
    }
)


def provider_key_set(host: str, env: Mapping[str, str]) -> bool:
    """Whether a `*KEY`/`*TOKEN` variable named after the host's provider is set (GROQ_API_KEY
    for api.groq.com, AZURE_OPENAI_AD_TOKEN for *.openai.azure.com)."""
    labels = [
        label.upper().replace("-", "_")
        for label in host.split(".")
        if label and label.lower() not in _GENERIC_LABELS and not label.isdigit()
    ]
    return any(
        name.upper().endswith(("KEY", "TOKEN"))
        and value.strip()
        and any(label in name.upper() for label in labels)
        for name, value in env.items()
    )


def base_url_problem(variable: str, value: str) -> str | None:
    """Why `value` is not a usable base URL, or None."""
    if value != value.strip():
        return "has blanks or a CR around it (a CRLF .env?)"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"is not a URL like {_OPENAI.base_url}"
    host, path = parts.hostname, parts.path.rstrip("/")
    if parts.scheme == "http" and not is_private_host(host):
        return "uses plain http:// to a public host: the key would travel unencrypted; use https://"
    if path.endswith(_ENDPOINTS):
        return "names an endpoint, not the base: the SDK appends /chat/completions etc. itself"
    if variable == "AZURE_OPENAI_ENDPOINT":
        if "/openai/deployments" in path:
            return f"names a deployment URL: use the resource root {_AZURE_ROOT}"
        return None
    if host == OPENAI_HOST and path != "/v1":
        return "doubles /v1" if path.startswith("/v1/v1") else "misses /v1 (or has a wrong path)"
    return None


def base_url_findings(variable: str, value: str) -> list[Finding]:
    problem = base_url_problem(variable, value)
    if problem is None:
        return []
    fix = (
        _AZURE_ROOT
        if variable == "AZURE_OPENAI_ENDPOINT"
        else f"{_OPENAI.base_url} (or your provider's base URL)"
    )
    return [Finding("wrong_base_url", f"{variable} {problem}; expected {fix}.", Side.REQUEST)]
