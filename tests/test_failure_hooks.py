"""The failure hooks are a second addon that mitmproxy reaches through `AuthLens.addons`.

They share AuthLens's configured scope: the hosts set by a later `configure` apply
to connection-level failures too. (What each failure becomes: tests/test_faults_*.py.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mitmproxy import tls
from mitmproxy.flow import Error
from mitmproxy.proxy.context import Context
from mitmproxy.proxy.layers.http import HttpErrorHook
from mitmproxy.proxy.layers.tls import TlsFailedClientHook
from mitmproxy.test import taddons, tflow

from authlens.proxy.addon import AuthLens
from authlens.proxy.failure_hooks import FailureHooks

GATEWAY = "llm-gateway.internal"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def refused_certificate(client_sni: str, options: Any) -> TlsFailedClientHook:
    """The hook mitmproxy calls when a client refuses our certificate for `client_sni`."""
    client = tflow.tclient_conn()
    client.sni = client_sni
    context = Context(client, options)
    context.server = tflow.tserver_conn()
    data = tls.TlsData(client, context)
    client.error = "Client TLS handshake failed. The client does not trust the proxy's certificate"
    return TlsFailedClientHook(data)


def test_mitmproxy_registers_the_failure_hooks_with_authlens(log_path: Path) -> None:
    """The `error` hook reaches the child addon when mitmproxy invokes AuthLens."""
    lens = AuthLens()
    with taddons.context(lens) as tctx:
        tctx.configure(lens, authlens_log_stdout="false", authlens_log_file=str(log_path))
        assert isinstance(tctx.master.addons.get("failurehooks"), FailureHooks)
        flow = tflow.tflow()
        flow.request.host, flow.request.scheme, flow.request.port = "api.openai.com", "https", 443
        lens.request(flow)
        flow.error = Error("Connect call failed")
        tctx.master.addons.invoke_addon_sync(lens, HttpErrorHook(flow))
    (line,) = lines(log_path)
    assert (line["host"], line["cause"], line["level"]) == (
        "api.openai.com",
        "upstream_unreachable",
        "error",
    )
    assert lens.in_flight == {}  # logged: not reported again at shutdown


def test_hosts_from_a_later_configure_reach_the_failure_hooks(
    log_path: Path,
) -> None:
    """A host added by `configure` after start gets its failure line (the scope is read live)."""
    lens = AuthLens()
    with taddons.context(lens) as tctx:
        tctx.configure(lens, authlens_log_stdout="false", authlens_log_file=str(log_path))
        tctx.master.addons.invoke_addon_sync(lens, refused_certificate(GATEWAY, tctx.options))
        assert lines(log_path) == []  # not inspected yet
        tctx.configure(lens, authlens_hosts=[GATEWAY])
        tctx.master.addons.invoke_addon_sync(lens, refused_certificate(GATEWAY, tctx.options))
    (line,) = lines(log_path)
    assert (line["host"], line["cause"]) == (GATEWAY, "client_tls_failed")
