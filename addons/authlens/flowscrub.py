"""Scrub secrets from a stored flow after its request went upstream.

mitmweb, `-w` flow files and HAR dumps serialize the flow object; rewriting headers in the
`request` hook would send the redacted value to the upstream, so this runs in `response`
and `error`, when the request is already on the wire. The response is left alone: the client
has not received it yet.
"""

from __future__ import annotations

from mitmproxy import http

from authlens.credential import find_credentials
from authlens.redact import SECRET_HEADERS, redact_header, redact_path, redact_text

_REQUEST_SECRET_HEADERS = SECRET_HEADERS - {"set-cookie"}


def scrub_flow(flow: http.HTTPFlow) -> None:
    """Redact credentials in `flow.request` (headers, query, body) in place."""
    request = flow.request
    headers = {name.lower(): value for name, value in request.headers.items()}
    secrets = tuple(c.token for c in find_credentials(headers, request.path) if c.token)
    for name in _REQUEST_SECRET_HEADERS:
        values = request.headers.get_all(name)
        if values:
            request.headers.set_all(name, [redact_header(name, v) for v in values])
    for name in ("openai-organization", "openai-project"):
        if value := request.headers.get(name):
            request.headers[name] = redact_text(value, secrets)
    if "?" in request.path:
        request.path = redact_path(request.path, secrets)
    raw = request.raw_content
    if raw and secrets and any(s.encode("utf-8", "surrogatepass") in raw for s in secrets):
        text = raw.decode("utf-8", "surrogateescape")
        request.raw_content = redact_text(text, secrets).encode("utf-8", "surrogateescape")
