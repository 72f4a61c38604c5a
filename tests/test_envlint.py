"""`check`'s core: every place a variable is set, the shared classifier, and what only the
environment shows (CRs a loader keeps, shadowing, base URLs, proxy and CA)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from authlens.tools.dotenv_bytes import parse_dotenv
from authlens.tools.envlint import lint
from authlens.tools.proxylint import ProxyContext
from tests.keyfactory import body, leaks, project_key

KEY = project_key(11)
CA = b"-----BEGIN CERTIFICATE-----\nMIIfake\n-----END CERTIFICATE-----\n"


def anthropic_key() -> str:
    return "sk-ant-api03-" + body(93, 5) + "AA"


def deepseek_key() -> str:
    return "sk-" + body(32, 9, "0123456789abcdef")


NO_KEY = ("OPENAI_API_KEY", "environment", "missing_credentials")


def causes(
    environ: dict[str, str],
    dotenv: bytes | None = None,
    project: Path | None = None,
    ca_pem: bytes | None = CA,
    *,
    no_key: bool = False,
) -> set[tuple[str, str, str]]:
    """(variable, source, cause) of every finding; the missing key only when `no_key` (the
    other tests are about other variables and leave OPENAI_API_KEY out)."""
    files = [parse_dotenv(dotenv, Path(".env"))] if dotenv is not None else []
    ctx = ProxyContext(project or Path("/nonexistent"), ca_pem, Path("/ca.pem"))
    _, found = lint(environ, files, ctx)
    return {(f.variable, f.source, f.cause) for f in found} - (set() if no_key else {NO_KEY})


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"OPENAI_API_KEY": KEY}, set()),
        ({"OPENAI_API_KEY": f'"{KEY}"'}, {"quoted_key"}),
        ({"OPENAI_API_KEY": "sk-YOUR_KEY"}, {"placeholder_key"}),
        ({"OPENAI_API_KEY": anthropic_key()}, {"other_provider_key"}),
        (
            {"OPENAI_API_KEY": anthropic_key(), "OPENAI_BASE_URL": "https://api.anthropic.com/v1"},
            set(),
        ),
        ({"OPENAI_API_KEY": deepseek_key(), "OPENAI_BASE_URL": "https://api.deepseek.com"}, set()),
        (
            {"OPENAI_API_KEY": anthropic_key(), "OPENAI_BASE_URL": "https://api.deepseek.com"},
            {"other_provider_key"},
        ),
        ({"OPENAI_ORG_ID": "Personal"}, {"organization_invalid"}),
        ({"OPENAI_PROJECT_ID": "my-project"}, {"project_mismatch"}),
        ({"OPENAI_BASE_URL": "https://api.openai.com"}, {"wrong_base_url"}),
        ({"OPENAI_BASE_URL": "https://api.openai.com/v1/v1"}, {"wrong_base_url"}),
        ({"OPENAI_BASE_URL": "https://api.openai.com/v1/chat/completions"}, {"wrong_base_url"}),
        ({"OPENAI_BASE_URL": "http://api.example.com/v1"}, {"wrong_base_url"}),
        ({"OPENAI_BASE_URL": "http://127.0.0.1:8080/v1"}, set()),
        ({"OPENAI_BASE_URL": "http://authlens:8080/v1"}, set()),
        ({"OPENAI_API_BASE": "https://api.openai.com/v1"}, {"wrong_base_url"}),
        (
            {"AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com/openai/deployments/gpt"},
            {"wrong_base_url"},
        ),
    ],
)
def test_environment_values(environ: dict[str, str], expected: set[str]) -> None:
    """Keys via the shared classifier, with no false alarm when key and base URL match."""
    assert {cause for _, _, cause in causes(environ)} == expected


def test_crlf_dotenv_is_reported_for_key_and_url() -> None:
    """python-dotenv strips the CR, a shell keeps it: reported on the lines that carry it."""
    found = causes(
        {}, f"OPENAI_API_KEY={KEY}\r\nOPENAI_BASE_URL=https://api.openai.com/v1\r\n".encode()
    )
    assert found == {
        (".env", ".env", "env_file_unreadable"),  # every line: shells keep every CR
        ("OPENAI_API_KEY", ".env:1", "whitespace_in_key"),
        ("OPENAI_BASE_URL", ".env:2", "wrong_base_url"),
    }


def test_quoted_dotenv_value_is_fine_but_blanks_inside_quotes_are_not() -> None:
    """Loaders strip the quotes; what is inside them is the value."""
    assert causes({}, f'OPENAI_API_KEY="{KEY}"\n'.encode()) == set()
    assert ("OPENAI_API_KEY", ".env:1", "whitespace_in_key") in causes(
        {}, f'OPENAI_API_KEY="{KEY} "\n'.encode()
    )


def test_shadowed_by_environment_shows_fingerprints_only() -> None:
    """An exported key wins over .env's: reported, both keys as fingerprints."""
    other = project_key(12)
    files = [parse_dotenv(f"OPENAI_API_KEY={other}\n".encode(), Path(".env"))]
    _, found = lint({"OPENAI_API_KEY": KEY}, files, ProxyContext(Path("/x"), CA, Path("/ca")))
    assert [(f.variable, f.source, f.cause) for f in found] == [
        ("OPENAI_API_KEY", ".env:1", "shadowed_by_environment")
    ]
    assert not leaks(found[0].hint, KEY, "sk-proj-")
    assert not leaks(found[0].hint, other, "sk-proj-")
    assert "override=True" in found[0].hint


def test_same_value_in_both_places_is_not_shadowed() -> None:
    assert causes({"OPENAI_API_KEY": KEY}, f"OPENAI_API_KEY={KEY}\n".encode()) == set()


def test_unreadable_dotenv() -> None:
    """A UTF-16 .env is one env_file_unreadable finding."""
    found = causes({}, "OPENAI_API_KEY=x\r\n".encode("utf-16"))
    assert found == {(".env", ".env", "env_file_unreadable")}


def test_proxy_bypassed() -> None:
    proxy = {"HTTPS_PROXY": "http://127.0.0.1:8080", "NO_PROXY": "localhost,.openai.com"}
    assert causes(proxy) == {("NO_PROXY", "environment", "proxy_bypassed")}


def test_ca_not_trusted_for_python(tmp_path: Path) -> None:
    """HTTPS_PROXY at authlens without SSL_CERT_FILE holding its CA; fine once it does."""
    proxy = {"HTTPS_PROXY": "http://127.0.0.1:8080"}
    assert causes(proxy) == {("SSL_CERT_FILE", "environment", "ca_not_trusted")}
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(b"system roots\n" + CA)
    assert causes({**proxy, "SSL_CERT_FILE": str(bundle)}) == set()
    assert causes({"HTTPS_PROXY": "http://corp-proxy.example.com:3128"}) == set()


def test_node_project(tmp_path: Path) -> None:
    """A Node project: fetch ignores HTTPS_PROXY, and Node needs NODE_EXTRA_CA_CERTS."""
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"openai": "^5"}}))
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(CA)
    proxy = {"HTTPS_PROXY": "http://127.0.0.1:8080"}
    assert {c for _, _, c in causes(proxy, project=tmp_path)} == {
        "proxy_ignored_by_runtime",
        "ca_not_trusted",
    }
    fixed = {**proxy, "NODE_USE_ENV_PROXY": "1", "NODE_EXTRA_CA_CERTS": str(ca_file)}
    assert causes(fixed, project=tmp_path) == set()
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"undici": "^7"}}))
    assert "proxy_ignored_by_runtime" not in {c for _, _, c in causes(proxy, project=tmp_path)}


def test_no_hint_leaks_a_key() -> None:
    """Whatever is found, hints carry fingerprints, never 8 characters of a key."""
    environ = {"OPENAI_API_KEY": f'"{KEY}"', "OPENAI_ORG_ID": KEY, "OPENAI_PROJECT_ID": KEY}
    _, found = lint(environ, [], ProxyContext(Path("/x"), CA, Path("/ca")))
    assert found
    for finding in found:
        assert not leaks(finding.hint, KEY, "sk-proj-"), finding
        assert finding.hint.isascii()


def test_no_key_anywhere_is_missing_credentials() -> None:
    """Nothing set: the key is missing; a key in .env or for Azure is not."""
    assert causes({}, no_key=True) == {NO_KEY}
    assert causes({}, f"OPENAI_API_KEY={KEY}\n".encode(), no_key=True) == set()
    assert causes({"AZURE_OPENAI_API_KEY": body(32, 1, "0123456789abcdef")}, no_key=True) == set()


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({"OPENAI_BASE_URL": "https://api.openai.com/v1"}, True),
        ({"OPENAI_BASE_URL": "https://api.groq.com/openai/v1", "GROQ_API_KEY": "gsk_x"}, False),
        ({"OPENAI_BASE_URL": "https://api.groq.com/openai/v1"}, True),
        ({"OPENAI_BASE_URL": "http://localhost:11434/v1"}, False),
        ({"AZURE_OPENAI_ENDPOINT": "https://x.openai.azure.com/"}, False),
    ],
)
def test_missing_key_follows_the_base_url(environ: dict[str, str], missing: bool) -> None:
    """Another provider's own key variable, a local server or Azure Entra count as a credential."""
    assert (NO_KEY in causes(environ, no_key=True)) is missing


def test_reference_to_a_set_variable_is_expanded() -> None:
    """python-dotenv expands `${VAR}` from the environment and earlier lines: no false alarm."""
    assert causes({"MY_OPENAI_KEY": KEY}, b"OPENAI_API_KEY=${MY_OPENAI_KEY}\n") == set()
    dotenv = f"MY_OPENAI_KEY={KEY}\nOPENAI_API_KEY=${{MY_OPENAI_KEY}}\n".encode()
    assert causes({}, dotenv) == set()


def test_reference_to_an_unset_variable_is_named() -> None:
    """`${MY_OPENAI_KEY}` set nowhere: unexpanded_variable naming MY_OPENAI_KEY."""
    files = [parse_dotenv(b"OPENAI_API_KEY=${MY_OPENAI_KEY}\n", Path(".env"))]
    _, found = lint({}, files, ProxyContext(Path("/nonexistent"), CA, Path("/ca.pem")))
    named = [f for f in found if f.cause == "unexpanded_variable"]
    assert [(f.variable, f.source) for f in named] == [("OPENAI_API_KEY", ".env:1")]
    assert "MY_OPENAI_KEY" in named[0].hint
    assert {f.cause for f in found} == {"unexpanded_variable"}  # not also empty_key


def test_empty_key_is_not_also_missing() -> None:
    """OPENAI_API_KEY set but empty: empty_key says it; missing_credentials would repeat it."""
    assert causes({"OPENAI_API_KEY": ""}, no_key=True) == {
        ("OPENAI_API_KEY", "environment", "empty_key")
    }


def test_crlf_on_every_line_is_reported_once_for_the_file() -> None:
    """CRs on every line: one finding for the file, whatever variables it holds."""
    found = causes({"OPENAI_API_KEY": KEY}, b"DEBUG=1\r\nLOG_LEVEL=info\r\n")
    assert found == {(".env", ".env", "env_file_unreadable")}
    assert causes({"OPENAI_API_KEY": KEY}, b"DEBUG=1\r\nLOG_LEVEL=info\n") == set()


def test_shadowed_message_shows_the_invisible_difference() -> None:
    """The .env value differs from the exported one by a CR: the hint shows '\\r', no key."""
    files = [parse_dotenv(f'OPENAI_API_KEY="{KEY}\\r"\n'.encode(), Path(".env"))]
    ctx = ProxyContext(Path("/nonexistent"), CA, Path("/ca.pem"))
    _, found = lint({"OPENAI_API_KEY": KEY}, files, ctx)
    shadowed = [f for f in found if f.cause == "shadowed_by_environment"]
    assert len(shadowed) == 1
    assert "'\\r' at the end" in shadowed[0].hint
    assert not leaks(shadowed[0].hint, KEY, "sk-proj-")
