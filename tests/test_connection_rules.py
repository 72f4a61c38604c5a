"""Connection-level causes: failure kinds to hints (messages to kinds: test_failures.py)."""

from __future__ import annotations

import pytest

from authlens.diagnosis import connection_rules as cn
from authlens.diagnosis import failures
from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange, Failure
from authlens.proxy.connwatch import ConnectionWatch
from tests.keyfactory import leaks, project_key

KEY = project_key(21)


def failed_exchange(
    kind: str, detail: str = "boom", headers: dict[str, str] | None = None
) -> Exchange:
    return Exchange(
        id="x1",
        provider="openai",
        method="CONNECT",
        scheme="https",
        host="api.openai.com",
        path="",
        request_headers=headers if headers is not None else {"authorization": f"Bearer {KEY}"},
        started=1.0,
        ended=2.0,
        failure=Failure(kind, detail),
    )


@pytest.mark.parametrize(
    ("kind", "must_name"),
    [
        (failures.UPSTREAM_UNREACHABLE, "--mode upstream:URL"),
        (failures.UPSTREAM_TLS_FAILED, "ssl_verify_upstream_trusted_ca"),
        (failures.CLIENT_TLS_FAILED, "SSL_CERT_FILE"),
        (failures.UPSTREAM_DISCONNECTED, "partial answer"),
    ],
)
def test_each_kind_has_its_cause_and_hint(kind: str, must_name: str) -> None:
    """diagnose() gives the failure's contract cause and a one-line ASCII hint naming the fix."""
    finding = diagnose(gather_evidence(failed_exchange(kind, f"detail with {KEY}")))
    assert finding is not None
    assert finding.cause == kind
    assert must_name in finding.hint
    assert finding.hint.isascii()
    assert "\n" not in finding.hint
    assert not leaks(finding.hint, KEY, "sk-proj-")


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (failures.UPSTREAM_UNREACHABLE, "upstream_unreachable"),
        (failures.UPSTREAM_TLS_FAILED, "upstream_tls_failed"),
        (failures.CLIENT_TLS_FAILED, "client_tls_failed"),
        (failures.UPSTREAM_DISCONNECTED, "upstream_disconnected"),
        (failures.CLIENT_DISCONNECTED, "client_disconnected"),
        (failures.KILLED, None),
    ],
)
def test_only_contract_codes_are_reported(kind: str, code: str | None) -> None:
    """Every failure kind maps to a code of the contract (or to no cause at all)."""
    finding = diagnose(gather_evidence(failed_exchange(kind)))
    assert (finding.cause if finding else None) == code


def test_client_disconnect_hint() -> None:
    """The client_disconnected hint points at the client's timeout."""
    finding = cn.client_disconnected(gather_evidence(failed_exchange(failures.CLIENT_DISCONNECTED)))
    assert finding is not None
    assert "timeout" in finding.hint


def test_connection_cause_outranks_request_side() -> None:
    """Nothing reached the upstream: a missing key is not the cause of an unreachable host."""
    finding = diagnose(gather_evidence(failed_exchange(failures.UPSTREAM_UNREACHABLE, headers={})))
    assert finding is not None
    assert finding.cause == "upstream_unreachable"


@pytest.mark.parametrize(
    ("headers", "names", "not_names"),
    [
        ({"user-agent": "curl/8.5.0"}, ["--cacert", "CURL_CA_BUNDLE"], ["NODE_EXTRA_CA_CERTS"]),
        ({"user-agent": "python-requests/2.32.3"}, ["REQUESTS_CA_BUNDLE"], ["SSL_CERT_FILE"]),
        ({"user-agent": "OpenAI/Python 1.109.1"}, ["SSL_CERT_FILE"], ["REQUESTS_CA_BUNDLE"]),
        ({"user-agent": "python-httpx/0.28.1"}, ["SSL_CERT_FILE"], ["NODE_EXTRA_CA_CERTS"]),
        ({"user-agent": "OpenAI/JS 5.23.2"}, ["NODE_EXTRA_CA_CERTS"], ["SSL_CERT_FILE"]),
        ({"user-agent": "node"}, ["NODE_EXTRA_CA_CERTS"], ["REQUESTS_CA_BUNDLE"]),
        ({"x-stainless-lang": "python"}, ["SSL_CERT_FILE"], ["NODE_EXTRA_CA_CERTS"]),
        (
            {},
            ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "CURL_CA_BUNDLE"],
            [],
        ),
    ],
)
def test_ca_advice_names_the_runtime_variable(
    headers: dict[str, str], names: list[str], not_names: list[str]
) -> None:
    """The client_tls_failed hint names the CA variable of the client's runtime when known."""
    finding = diagnose(
        gather_evidence(failed_exchange(failures.CLIENT_TLS_FAILED, headers=headers))
    )
    assert finding is not None
    assert all(name in finding.hint for name in names)
    assert not any(name in finding.hint for name in not_names)


def test_watch_reports_a_pending_failure_once() -> None:
    """A failure taken by a flow is not returned again when the client leaves."""
    watch = ConnectionWatch()
    watch.failed("c1", failures.SERVER_TLS, "Certificate verify failed", "api.openai.com")
    pending = watch.take_failure("c1")
    assert pending is not None
    assert pending.where == failures.SERVER_TLS
    assert watch.take_failure("c1") is None
    seen = watch.forget("c1")
    assert seen is not None
    assert seen.pending is None
    assert len(watch) == 0


def test_watch_keeps_an_untaken_failure_for_disconnect() -> None:
    """No flow took it (reverse mode connects first): forget() hands it back with the agent."""
    watch = ConnectionWatch()
    watch.saw_connect("c1", "curl/8.5.0")
    watch.failed("c1", failures.CONNECT, "Connect call failed", "127.0.0.1")
    seen = watch.forget("c1")
    assert seen is not None
    assert seen.pending is not None
    assert seen.connect
    assert seen.user_agent == "curl/8.5.0"
    assert watch.forget("c1") is None


def test_watch_is_bounded() -> None:
    """Connections that never say goodbye cannot grow memory without bound."""
    watch = ConnectionWatch(capacity=3)
    for n in range(10):
        watch.saw_connect(f"c{n}", None)
    assert len(watch) == 3
    assert watch.get("c9").connect
    assert not watch.get("c0").connect
