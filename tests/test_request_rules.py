"""Request-side rules over whole requests: headers parsed, rules in order, precedence."""

from __future__ import annotations

import orjson
import pytest

from authlens.credentials.keys import fingerprint_key
from authlens.diagnosis import request_rules as rq
from authlens.diagnosis.evidence import Evidence, gather_evidence
from authlens.diagnosis.rules import REQUEST_RULES, choose, diagnose, first_finding
from authlens.exchange import Exchange, Finding, Side
from authlens.providers import provider_for_host
from tests import synthetic_keys as sk

K = sk.project_key(1)
ADMIN = sk.admin_key(2)
AZ = sk.azure_hex_key(3)
ORG = sk.org_id(4)
PROJ = sk.project_id(5)
OPENAI_REPLY = {"content-type": "application/json", "x-request-id": "req_" + "a1" * 16}


def evidence(
    headers: dict[str, str],
    *,
    host: str = "api.openai.com",
    path: str = "/v1/chat/completions",
    status: int = 401,
    body: object = None,
) -> Evidence:
    exchange = Exchange(
        id="t",
        provider=provider_for_host(host),
        method="POST",
        scheme="https",
        host=host,
        path=path,
        request_headers={k.lower(): v for k, v in headers.items()},
        started=1.0,
        ended=2.0,
        status=status,
        response_headers=OPENAI_REPLY,
        response_body=orjson.dumps(body) if body is not None else None,
    )
    return gather_evidence(exchange)


def request_cause(
    headers: dict[str, str], *, host: str = "api.openai.com", path: str = "/v1/chat/completions"
) -> str | None:
    finding = first_finding(REQUEST_RULES, evidence(headers, host=host, path=path))
    return finding.cause if finding else None


@pytest.mark.parametrize(
    ("headers", "host", "cause"),
    [
        ({}, "api.openai.com", "missing_credentials"),
        ({"Authoriaztion": "Bearer " + K}, "api.openai.com", "missing_credentials"),
        ({}, "res.openai.azure.com", "missing_credentials"),
        ({"Authorization": "Bearer "}, "api.openai.com", "empty_key"),
        ({"Authorization": "Bearer"}, "api.openai.com", "empty_key"),
        ({"Authorization": "Bearer Bearer " + K}, "api.openai.com", "duplicated_bearer"),
        ({"Authorization": 'Bearer "' + K + '"'}, "api.openai.com", "quoted_key"),
        ({"Authorization": "Bearer undefined"}, "api.openai.com", "placeholder_key"),
        ({"Authorization": "Bearer ${OPENAI_API_KEY}"}, "api.openai.com", "unexpanded_variable"),
        ({"Authorization": "Bearer:" + K}, "api.openai.com", "wrong_auth_scheme"),
        ({"Authorization": K}, "api.openai.com", "wrong_auth_scheme"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "api.openai.com", "wrong_auth_scheme"),
        ({"Authorization": "Authorization: Bearer " + K}, "api.openai.com", "label_in_key"),
        ({"Authorization": "OPENAI_API_KEY=" + K}, "api.openai.com", "label_in_key"),
        ({"x-api-key": K}, "api.openai.com", "key_in_wrong_header"),
        ({"Authorization": "Bearer " + sk.anthropic_key()}, "api.openai.com", "other_provider_key"),
        ({"Authorization": "Bearer " + AZ}, "api.openai.com", "other_provider_key"),
        ({"api-key": K}, "res.openai.azure.com", "other_provider_key"),
        ({"Authorization": "Bearer " + AZ}, "res.openai.azure.com", "key_in_wrong_header"),
        ({"api-key": sk.jwt()}, "res.openai.azure.com", "key_in_wrong_header"),
        ({"Authorization": "Bearer " + sk.session_key()}, "api.openai.com", "session_key"),
        ({"Authorization": "Bearer sk-proj-" + sk.body(20)}, "api.openai.com", "truncated_key"),
        ({"Authorization": "Bearer DEADBEEF"}, "api.openai.com", "placeholder_key"),
        ({"Authorization": "Bearer " + sk.xai_key()}, "api.groq.com", "other_provider_key"),
    ],
)
def test_request_rules_name_what_was_sent(headers: dict[str, str], host: str, cause: str) -> None:
    """Each way of sending a credential wrongly gets its code from the request alone."""
    assert request_cause(headers, host=host) == cause


def test_key_in_query_parameter_is_key_in_wrong_header() -> None:
    """A key in `?api_key=` reaches OpenAI as no key at all."""
    assert request_cause({}, path="/v1/models?api_key=" + K) == "key_in_wrong_header"


@pytest.mark.parametrize(
    ("headers", "host", "path"),
    [
        ({"Authorization": "Bearer " + K}, "api.openai.com", "/v1/chat/completions"),
        ({"Authorization": "bearer " + K}, "api.openai.com", "/v1/models"),
        ({"Authorization": "Bearer " + sk.legacy_key()}, "api.openai.com", "/v1/responses"),
        ({"Authorization": "Bearer " + ADMIN}, "api.openai.com", "/v1/organization/users"),
        ({"api-key": AZ}, "res.openai.azure.com", "/openai/deployments/d/chat/completions"),
        ({"api-key": AZ, "Authorization": "Bearer x"}, "res.openai.azure.com", "/openai/v1/x"),
        ({"Authorization": "Bearer " + sk.jwt()}, "res.openai.azure.com", "/openai/v1/x"),
        ({"Authorization": "Bearer " + sk.groq_key()}, "api.groq.com", "/openai/v1/models"),
        ({"x-api-key": sk.body(40)}, "localhost", "/v1/chat/completions"),
        (
            {"sec-websocket-protocol": "realtime, openai-insecure-api-key." + K},
            "api.openai.com",
            "/v1/realtime",
        ),
        (
            {"Authorization": "Bearer " + K, "OpenAI-Organization": ORG, "OpenAI-Project": PROJ},
            "api.openai.com",
            "/v1/chat/completions",
        ),
    ],
)
def test_well_formed_requests_have_no_request_finding(
    headers: dict[str, str], host: str, path: str
) -> None:
    """Right key, right place, right ids: the request side says nothing."""
    assert request_cause(headers, host=host, path=path) is None


@pytest.mark.parametrize(
    ("key", "path"),
    [
        (ADMIN, "/v1/chat/completions"),
        (ADMIN, "/v1/responses"),
        (ADMIN, "/v1/models?limit=1"),
        (ADMIN, "/v1/embeddings"),
        (ADMIN, "/openai/v1/chat/completions"),
        (K, "/v1/organization/admin_api_keys"),
        (sk.legacy_key(), "/v1/organization/users"),
        (sk.svcacct_key(), "/v1/organization/projects?limit=1"),
        (sk.none_key(), "/v1/organization/usage/completions"),
        (K, "/v1/organization"),
    ],
)
def test_admin_key_misuse_in_both_directions(key: str, path: str) -> None:
    """Admin keys only on /v1/organization/..., and only admin keys there."""
    finding = rq.admin_key_misuse(evidence({"Authorization": "Bearer " + key}, path=path))
    assert finding is not None
    assert finding.cause == "admin_key_misuse"
    assert "insufficient_permissions" in finding.explains


@pytest.mark.parametrize(
    ("headers", "cause"),
    [
        ({"OpenAI-Organization": "Personal"}, "organization_invalid"),
        ({"OpenAI-Organization": ""}, "organization_invalid"),
        ({"OpenAI-Organization": PROJ}, "organization_invalid"),
        ({"OpenAI-Project": "flipsync"}, "project_mismatch"),
        ({"OpenAI-Project": ORG}, "project_mismatch"),
        ({"OpenAI-Organization": ORG, "OpenAI-Project": "my project"}, "project_mismatch"),
    ],
)
def test_org_and_project_headers(headers: dict[str, str], cause: str) -> None:
    """Org and project headers that are not ids are found from the request side."""
    headers = {"Authorization": "Bearer " + K, **headers}
    assert request_cause(headers) == cause


def test_a_bad_key_is_reported_before_a_bad_organization() -> None:
    """REQUEST_RULES order: the credential first, then the org and project headers."""
    headers = {"Authorization": 'Bearer "' + K + '"', "OpenAI-Organization": "Personal"}
    assert request_cause(headers) == "quoted_key"


def test_scrubbed_flows_are_not_judged_by_their_fingerprints() -> None:
    """A flow file written by authlens holds fingerprints; no key finding comes from them."""
    headers = {
        "Authorization": "Bearer " + fingerprint_key('"' + K + '"'),
        "OpenAI-Organization": fingerprint_key(K),
        "OpenAI-Project": fingerprint_key("flipsync-" + K),
    }
    assert request_cause(headers) is None
    assert request_cause({"Authorization": "Bearer " + fingerprint_key(ADMIN)}) is None


def _response(cause: str) -> Finding:
    return Finding(cause, "upstream said so", Side.RESPONSE)


@pytest.mark.parametrize(
    ("request_finding", "response", "winner"),
    [
        ("quoted", "invalid_api_key", "quoted_key"),
        ("quoted", "unknown_401", "quoted_key"),
        ("admin", "insufficient_permissions", "admin_key_misuse"),
        ("azure_bearer", "azure_token_invalid", "key_in_wrong_header"),
        ("openai_to_azure", "azure_invalid_key", "other_provider_key"),
        ("org_name", "organization_mismatch", "organization_invalid"),
        ("project_name", "project_mismatch", "project_mismatch"),
        ("quoted", "insufficient_quota", "insufficient_quota"),
        ("org_name", "rate_limited", "rate_limited"),
    ],
)
def test_precedence_against_upstream_answers(
    request_finding: str, response: str, winner: str
) -> None:
    """Request findings beat generic answers and the specific ones they explain, no others."""
    requests = {
        "quoted": ({"Authorization": 'Bearer "' + K + '"'}, "api.openai.com", "/v1/x"),
        "admin": ({"Authorization": "Bearer " + ADMIN}, "api.openai.com", "/v1/responses"),
        "azure_bearer": ({"Authorization": "Bearer " + AZ}, "r.openai.azure.com", "/openai/x"),
        "openai_to_azure": ({"api-key": K}, "r.openai.azure.com", "/openai/x"),
        "org_name": (
            {"Authorization": "Bearer " + K, "OpenAI-Organization": "Personal"},
            "api.openai.com",
            "/v1/x",
        ),
        "project_name": (
            {"Authorization": "Bearer " + K, "OpenAI-Project": "flipsync"},
            "api.openai.com",
            "/v1/x",
        ),
    }
    headers, host, path = requests[request_finding]
    found = first_finding(REQUEST_RULES, evidence(headers, host=host, path=path))
    chosen = choose(found, _response(response))
    assert chosen is not None
    assert chosen.cause == winner


def test_diagnose_reports_a_quoted_key_over_openais_invalid_api_key() -> None:
    """End to end through the rules: the echoed invalid key is explained by the quotes."""
    token = '"' + K + '"'
    echo = token[:8] + "*" * (len(token) - 12) + token[-4:]
    body = {
        "error": {
            "message": f"Incorrect API key provided: {echo}. You can find your API key at ...",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    finding = diagnose(evidence({"Authorization": "Bearer " + token}, body=body))
    assert finding is not None
    assert finding.cause == "quoted_key"


def test_successes_are_not_diagnosed() -> None:
    """Rules run only on errors; a 200 with an odd key gets no cause."""
    assert diagnose(evidence({"Authorization": "Bearer undefined"}, status=200)) is None
