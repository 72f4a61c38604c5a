"""`authlens explain` on the `-w` flow file and the HAR of a live run agrees with its log.

One real proxy run (mitmdump with the addon, `-w`, `--set hardump=`) sends every failure the
fake OpenAI can produce, through curl: broken keys of every family, the corpus's account and
Azure answers, and the 0.2 causes. The stored files hold scrubbed keys only; explain must give
the cause, hint and key the live log gave, on every exchange, saying "(recorded live)".
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from authlens.cli import main
from authlens.fake_openai import FakeOpenAI
from tests import harness
from tests.corpus import corpus_reply, load_corpus
from tests.harness import (
    ConnectRelay,
    Proxy,
    ProxyFactory,
    curl,
    synthetic_key,
    upstream_args,
    wait_for,
)
from tests.keyfactory import body, leaks

pytestmark = pytest.mark.e2e

API = "https://api.openai.com"
AZURE = "https://myres.openai.azure.com"
APIM = "https://gw-test.azure-api.net"
AUTH = "https://auth.openai.com"
IDENTITIES = ("api.openai.com", "auth.openai.com", "*.openai.azure.com", "*.azure-api.net")
# Corpus answers the fake serves by name (their ids in tests/data/openai_auth_corpus.json).
CORPUS_REPLIES = (
    "openai_429_rate_limit_tpm",
    "openai_429_insufficient_quota",
    "openai_403_unsupported_country",
    "openai_404_model_not_found",
    "openai_401_missing_scope_model_request",
    "openai_401_account_deactivated_v2",
    "azure_403_vnet_firewall",
    "openai_401_no_organization",
    "openai_session_key_required",
    "azure_401_invalid_subscription_key",
    "azure_401_permission_denied_principal",
    "azure_401_aad_token_invalid",
    "azure_404_deployment_not_found",
)
# Causes the run must produce: the test cannot pass on a run that diagnosed little.
EXPECTED = {
    "missing_credentials",
    "quoted_key",
    "placeholder_key",
    "label_in_key",
    "whitespace_in_key",
    "truncated_key",
    "masked_key",
    "other_provider_key",
    "wrong_auth_scheme",
    "duplicated_bearer",
    "unexpanded_variable",
    "key_in_wrong_header",
    "invalid_api_key",
    "organization_mismatch",
    "organization_invalid",
    "project_mismatch",
    "wrong_base_url",
    "rate_limited",
    "insufficient_quota",
    "region_unsupported",
    "model_access_denied",
    "insufficient_permissions",
    "account_deactivated",
    "ip_not_allowed",
    "no_organization",
    "session_key_required",
    "azure_invalid_key",
    "azure_permission_denied",
    "azure_token_invalid",
    "billing_not_active",
    "wrong_regional_host",
    "organization_unverified",
    "forbidden_by_policy",
    "token_exchange_failed",
    "upstream_error",
}


def jwt(claims: dict[str, Any]) -> str:
    """An unsigned-looking JWT with `claims` (the signature is random bytes)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = part(orjson.dumps({"alg": "RS256", "typ": "JWT"}))
    return f"{header}.{part(orjson.dumps(claims))}.{part(body(64, 7).encode())}"


@dataclass(frozen=True)
class Case:
    url: str
    args: tuple[str, ...]


def cases(good: str) -> list[Case]:
    """One request per failure family; `args` are curl arguments."""
    unknown = synthetic_key()
    openrouter = "sk-or-v1-" + body(64, 3, "0123456789abcdef")
    anthropic = "sk-ant-api03-" + body(93, 4) + "AA"
    expired = int(time.time()) - 3600
    subject = jwt(
        {
            "iss": "https://token.actions.githubusercontent.com",
            "aud": "openai",
            "sub": "repo:acme/app:ref:refs/heads/main",
            "exp": expired,
        }
    )
    entra_expired = jwt(
        {
            "iss": "https://sts.windows.net/0d5f-tenant/",
            "exp": expired,
            "aud": "https://cognitiveservices.azure.com",
        }
    )
    entra_wrong_aud = jwt(
        {
            "iss": "https://sts.windows.net/0d5f-tenant/",
            "exp": expired + 7200,
            "aud": "https://management.azure.com",
        }
    )

    def auth(value: str, *extra: str, url: str = f"{API}/v1/models") -> Case:
        return Case(url, ("-H", f"Authorization: {value}", *extra))

    def reply(name: str, *, key: str = good, url: str = f"{API}/v1/chat/completions") -> Case:
        return auth(f"Bearer {key}", "-H", f"X-Fake-Reply: {name}", "-d", "{}", url=url)

    azure = f"{AZURE}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
    form = (
        f"grant_type=urn:ietf:params:oauth:grant-type:token-exchange&subject_token={subject}"
        "&subject_token_type=urn:ietf:params:oauth:token-type:jwt"
    )
    return [
        auth(f"Bearer {good}"),
        Case(f"{API}/v1/models", ()),
        auth(f'Bearer "{good}"'),
        auth("Bearer sk-YOUR_API_KEY_HERE"),
        auth(f"Bearer OPENAI_API_KEY={good}"),
        auth(f"Bearer {good[:60]} {good[60:]}"),
        auth(f"Bearer {good[:30]}"),
        auth(f"Bearer sk-proj-...{good[-4:]}"),
        auth(f"Bearer {anthropic}"),
        auth(good),
        auth(f"Bearer Bearer {good}"),
        auth("Bearer $OPENAI_API_KEY"),
        Case(f"{API}/v1/models", ("-H", f"api-key: {good}")),
        auth(f"Bearer {unknown}"),
        auth(f"Bearer {good}", "-H", "OpenAI-Organization: org-notthekeysorganization"),
        auth(f"Bearer {good}", "-H", "OpenAI-Organization: Personal"),
        auth(f"Bearer {good}", "-H", "OpenAI-Project: proj_notthekeysproject0001"),
        auth(f"Bearer {good}", url=f"{API}/models"),
        *(reply(name) for name in CORPUS_REPLIES if name.startswith("openai")),
        *(
            reply(name)
            for name in (
                "billing_not_active",
                "wrong_regional_host",
                "organization_unverified",
                "server_error",
            )
        ),
        auth(
            f"Bearer {good}",
            "-H",
            "X-Fake-Reply: model_missing",
            "-X",
            "POST",
            url=f"{API}/v1/chat/completions",
        ),
        reply("zdr_forbidden", url=f"{API}/v1/traces/ingest"),
        auth(f"Bearer {openrouter}", "-d", "{}", url=f"{API}/v1/traces/ingest"),
        *(
            Case(
                azure,
                (
                    "-H",
                    f"api-key: {body(32, 5, '0123456789abcdef')}",
                    "-H",
                    f"X-Fake-Reply: {name}",
                    "-d",
                    "{}",
                ),
            )
            for name in CORPUS_REPLIES
            if name.startswith("azure") and "aad" not in name
        ),
        auth(
            f"Bearer {entra_wrong_aud}",
            "-H",
            "X-Fake-Reply: azure_401_aad_token_invalid",
            "-d",
            "{}",
            url=azure,
        ),
        auth(
            f"Bearer {entra_expired}", "-H", "X-Fake-Reply: azure_empty_401", "-d", "{}", url=azure
        ),
        Case(
            f"{APIM}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
            (
                "-H",
                f"api-key: {body(32, 6, '0123456789abcdef')}",
                "-H",
                "X-Fake-Reply: apim_missing_key",
                "-d",
                "{}",
            ),
        ),
        Case(f"{AUTH}/oauth/token", ("-d", form)),
    ]


@dataclass
class Run:
    proxy: Proxy
    flows: Path
    har: Path
    good_key: str
    subject_token: str


@pytest.fixture(scope="module")
def run(
    make_module_proxy: ProxyFactory,
    authority: harness.TestAuthority,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Run]:
    good = synthetic_key()
    fake = FakeOpenAI([good], ssl_context=authority.server_context(*IDENTITIES)).start()
    corpus = {entry["id"]: entry for entry in load_corpus()}
    for name in CORPUS_REPLIES:
        fake.add_reply(name, corpus_reply(corpus[name]))
    relay = ConnectRelay(fake.port)
    tmp = tmp_path_factory.mktemp("recorded")
    flows, har, config = tmp / "flows.mitm", tmp / "dump.har", tmp / "authlens.toml"
    hosts = ["api.openai.com", "auth.openai.com", "*.openai.azure.com", "*.azure-api.net"]
    config.write_text(f"[authlens]\nhosts = {json.dumps(hosts)}\n")
    proxy = make_module_proxy(
        "mitmdump",
        *upstream_args(relay),
        "-w",
        str(flows),
        "--set",
        f"hardump={har}",
        "--set",
        f"authlens_config={config}",
    )
    all_cases = cases(good)
    for index, case in enumerate(all_cases):
        result = curl(
            proxy, case.url, *case.args, "-H", f"X-Client-Request-Id: case-{index}", tmp=tmp
        )
        assert result.status, (case, result.stderr)
    expected_lines = len(all_cases)
    wait_for(
        lambda: len(proxy.log_lines()) >= expected_lines or None,
        20,
        f"fewer than {expected_lines} log lines:\n{proxy.stdout()[-3000:]}",
    )
    proxy.stop()  # SIGTERM: mitmproxy writes the HAR and closes the flow file
    form = next(case.args[1] for case in all_cases if case.url.endswith("/oauth/token"))
    yield Run(proxy, flows, har, good, form.split("subject_token=")[1].split("&")[0])
    relay.close()
    fake.stop()


def explain_json(path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    code = main(["explain", str(path), "--json"])
    out, _ = capsys.readouterr()
    assert code == 0
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def live_rows(proxy: Proxy) -> list[dict[str, Any]]:
    lines = [line for line in proxy.log_lines() if line.get("event") == "exchange"]
    return sorted(lines, key=lambda line: int(str(line["client_request_id"]).split("-")[1]))


@pytest.mark.parametrize("kind", ["flows", "har"])
def test_explain_agrees_with_the_live_log(
    run: Run, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every exchange: explain's cause, hint and key are the log's, marked (recorded live)."""
    live = live_rows(run.proxy)
    causes = {line["cause"] for line in live}
    assert causes >= EXPECTED, EXPECTED - causes
    assert all(line["cause"] for line in live if (line["status"] or 0) >= 400)
    rows = [r for r in explain_json(getattr(run, kind), capsys) if r["method"] != "CONNECT"]
    assert len(rows) == len(live)
    for row, line in zip(rows, live, strict=True):
        assert (row["method"], row["status"]) == (line["method"], line["status"]), (row, line)
        assert row["url"].split("://", 1)[1].startswith(line["host"] + line["path"].split("?")[0])
        assert row["cause"] == line["cause"], (row, line)
        if line["cause"] is not None:
            assert row["hint"] == line["hint"] + " (recorded live)", (row, line)
        assert row["key"] == line["key"] or line["key"] is None, (row, line)


def test_stored_files_hold_no_key(run: Run) -> None:
    """The recorded diagnosis adds nothing secret to the -w file or the HAR."""
    good = run.good_key
    for path in (run.flows, run.har):
        text = path.read_bytes().decode("utf-8", "replace")
        assert not leaks(text, good, "sk-proj-"), path
        # The workload identity subject token (a form field) is a credential too.
        # (its middle: the header and iss prefix are shared with other JWTs of the run)
        assert run.subject_token.split(".")[1][40:72] not in text, path
