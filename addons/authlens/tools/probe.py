"""`authlens check --probe`: one GET /models sent the way the openai SDK would, then diagnosed.

It reads the same variables as the SDK (OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID,
OPENAI_PROJECT_ID), trusts what httpx would trust (SSL_CERT_FILE, else SSL_CERT_DIR, else
certifi), and goes through HTTPS_PROXY unless NO_PROXY covers the host. An HTTP answer is
diagnosed by the proxy's own rules; a failure to connect is explained from the client's side.
"""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.client import HTTPMessage
from typing import Any
from urllib.parse import urljoin, urlsplit

from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.hints import one_line
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange, Finding, Side
from authlens.providers import provider_for_host
from authlens.registry import PROVIDERS
from authlens.tools.console import invoked_as
from authlens.tools.noproxy import bypasses
from authlens.tools.proxylint import first_set, looks_intercepting

DEFAULT_BASE_URL = PROVIDERS["openai"].base_url
RUNTIME = "Python urllib, trusting what httpx trusts; other runtimes: authlens doctor"
_MAX_BODY = 1 << 20


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What the probe sent and got: a status (None when nothing came back) and a diagnosis."""

    url: str
    proxy: str | None
    status: int | None
    finding: Finding | None
    authlens_headers: Mapping[str, str] = field(default_factory=dict)
    # What the probe proves: this runtime only; `authlens doctor` proves the others.
    runtime: str = RUNTIME


def request_headers(env: Mapping[str, str]) -> dict[str, str]:
    """The headers openai-python derives from the environment (lower-case names)."""
    headers = {"accept": "application/json", "user-agent": "authlens-check (urllib)"}
    if (key := env.get("OPENAI_API_KEY")) is not None and key != "":
        headers["authorization"] = f"Bearer {key}"
    if (org := env.get("OPENAI_ORG_ID")) is not None:
        headers["openai-organization"] = org
    if (project := env.get("OPENAI_PROJECT_ID")) is not None:
        headers["openai-project"] = project
    return headers


def ssl_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """What httpx trusts for the same environment (see httpx._config.create_ssl_context)."""
    if env.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=env["SSL_CERT_FILE"])
    if env.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=env["SSL_CERT_DIR"])
    import certifi  # noqa: PLC0415  # a mitmproxy dependency; only needed here

    return ssl.create_default_context(cafile=certifi.where())


def chosen_proxy(env: Mapping[str, str], url: str) -> str | None:
    parts = urlsplit(url)
    names = (
        ("https_proxy", "HTTPS_PROXY") if parts.scheme == "https" else ("http_proxy", "HTTP_PROXY")
    )
    proxy = first_set(env, *names, "all_proxy", "ALL_PROXY")
    no_proxy = first_set(env, "no_proxy", "NO_PROXY")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if proxy is None or (no_proxy and bypasses(no_proxy[1], parts.hostname or "", port)):
        return None
    return proxy[1]


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of `url`, the default port spelled out."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or default


class SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only within the origin: the probe carries the key and account ids.

    urllib would repeat every header, Authorization included, to wherever a redirect points
    (another host, or plain http); a redirect elsewhere is returned as the answer instead.
    """

    def redirect_request(  # noqa: PLR0917  # urllib's signature
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if origin(newurl) != origin(req.full_url):
            return None  # urllib then raises HTTPError with the 3xx: our answer
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _send(
    url: str, headers: dict[str, str], env: Mapping[str, str], proxy: str | None, timeout: float
) -> tuple[int, Message, bytes]:
    scheme = urlsplit(url).scheme
    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.ProxyHandler({scheme: proxy} if proxy else {}),
        SameOriginRedirects(),
    ]
    if scheme == "https":
        handlers.append(urllib.request.HTTPSHandler(context=ssl_context(env)))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, headers=headers, method="GET")  # noqa: S310  # http(s) only
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read(_MAX_BODY)
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read(_MAX_BODY)


def failure_finding(error: BaseException, url: str, proxy: str | None) -> Finding:
    """The client-side explanation when no HTTP answer came back."""
    reason = getattr(error, "reason", error)
    host = urlsplit(url).hostname
    if isinstance(error, UnicodeError):
        return Finding(
            "non_ascii_key",
            (
                "Python refused to send the request: a header value (OPENAI_API_KEY, OPENAI_ORG_ID "
                "or OPENAI_PROJECT_ID) has non-ASCII characters (smart quotes?); type it again."
            ),
            Side.REQUEST,
        )
    if isinstance(error, ValueError) and "header" in str(error).lower():
        return Finding(
            "whitespace_in_key",
            (
                "Python refused to send the request: a header value (OPENAI_API_KEY, OPENAI_ORG_ID "
                "or OPENAI_PROJECT_ID) contains a CR or LF; remove it."
            ),
            Side.REQUEST,
        )
    if isinstance(reason, ssl.SSLCertVerificationError):
        if proxy and looks_intercepting(proxy):
            return Finding(
                "ca_not_trusted",
                (
                    f"The certificate from the proxy {proxy} was refused by the probe (Python, "
                    "SSL_CERT_FILE): it does not trust the authlens CA; run "
                    f'eval "$({invoked_as()} env)" (SSL_CERT_FILE, REQUESTS_CA_BUNDLE), and '
                    f"{invoked_as()} doctor for other runtimes."
                ),
                Side.CONNECTION,
            )
        return Finding(
            "upstream_tls_failed",
            (
                f"The certificate of {host} was refused ({one_line(str(reason.verify_message))}): "
                "a TLS-intercepting proxy or firewall is in the way; add its CA to SSL_CERT_FILE."
            ),
            Side.CONNECTION,
        )
    via = f" through the proxy {proxy}" if proxy else ""
    return Finding(
        "upstream_unreachable",
        (
            f"No answer from {host}{via} ({one_line(str(reason))[:160]}): check OPENAI_BASE_URL, "
            "HTTPS_PROXY, DNS and the firewall."
        ),
        Side.CONNECTION,
    )


def redirect_finding(url: str, location: str) -> Finding:
    """A redirect the probe did not follow: the base URL is not the API itself."""
    target = urljoin(url, location)
    scheme, host, port = origin(target)
    where = f"{scheme}://{host}" + (f":{port}" if port not in (80, 443, None) else "")
    return Finding(
        "wrong_base_url",
        one_line(
            f"GET {url} was redirected to {where}, another origin; authlens did not follow it "
            "(the request carries your key). Point OPENAI_BASE_URL at the API itself."
        ),
        Side.RESPONSE,
    )


def run_probe(env: Mapping[str, str], timeout: float = 10.0) -> ProbeResult:
    """Send GET <base>/models as the SDK would and diagnose what comes back."""
    base = (env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).strip()
    url = base.rstrip("/") + "/models"
    headers = request_headers(env)
    proxy = chosen_proxy(env, url)
    started = time.time()
    try:
        status, reply_headers, body = _send(url, headers, env, proxy, timeout)
    except (OSError, ValueError) as e:  # URLError is an OSError; bad header values a ValueError
        return ProbeResult(url, proxy, None, failure_finding(e, url, proxy))
    parts = urlsplit(url)
    lowered = {name.lower(): value for name, value in reply_headers.items()}
    if 300 <= status < 400:
        return ProbeResult(url, proxy, status, redirect_finding(url, lowered.get("location", "")))
    exchange = Exchange(
        id=str(uuid.uuid4()),
        provider=provider_for_host(parts.hostname or ""),
        method="GET",
        scheme=parts.scheme,
        host=parts.hostname or "",
        path=parts.path,
        request_headers=headers,
        started=started,
        ended=time.time(),
        status=status,
        response_headers=lowered,
        response_body=body if status >= 400 else None,
    )
    finding = diagnose(gather_evidence(exchange))
    seen = {k: v for k, v in lowered.items() if k.startswith("x-authlens-")}
    return ProbeResult(url, proxy, status, finding, seen)
