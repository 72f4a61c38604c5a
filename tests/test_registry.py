"""The registry: its data is consistent, and it is the only place that knows providers.

The last test greps the package source (string literals, docstrings aside) for every key
prefix, API host and credential header the registry holds: only `authlens/registry/` may
spell them; everything else asks the registry.
"""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path

import pytest

import authlens
from authlens import registry
from authlens.providers import DEFAULT_HOSTS, provider_for_host
from authlens.settings import Settings
from tests.keygen import GENERATED, key_of_kind

PACKAGE = Path(authlens.__file__).parent
# Modules owned by other 0.2 branches (redaction, output, the CLI tools, the proxy layer and
# the fake upstream that plays api.openai.com in tests); their owners move their spellings
# to the registry when the branches merge. Each entry says which branch owns it.
# Modules whose literals may spell a prefix, host or header: user-facing examples and quoted
# text, never knowledge a rule or redaction reads.
NOT_YET = {
    "causes.py": "the contract's cause table, quoted verbatim",
    "commands/check.py": "help text examples",
    "commands/env.py": "help text examples",
    "commands/run.py": "help text examples",
    "commands/tail.py": "help text examples",
    "tools/runstart.py": "help text examples",
    "tools/demo_cases.py": "the demo's broken requests: what a user would send",
    "tools/runtimes_programs.py": "canary programs in other languages: a client's own text",
}
_GENERIC_HEADERS = {"authorization"}  # HTTP's own, not a provider's


def _terms() -> dict[str, re.Pattern[str]]:
    terms: dict[str, re.Pattern[str]] = {}
    for prefix in registry.PREFIXES:
        terms[f"prefix {prefix}"] = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(prefix)}")
    for entry in registry.PROVIDERS.values():
        for glob in entry.hosts:
            host = glob.removeprefix("*.")
            terms[f"host {host}"] = re.compile(rf"(?<![A-Za-z0-9-]){re.escape(host)}", re.I)
    for header in registry.CREDENTIAL_HEADERS - _GENERIC_HEADERS:
        terms[f"header {header}"] = re.compile(rf"(?<![\w-]){re.escape(header)}(?![\w-])", re.I)
    return terms


def _literals(source: str) -> list[str]:
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_only_the_registry_spells_prefixes_hosts_and_credential_headers() -> None:
    """A prefix, host or credential header in a string literal outside registry/ fails."""
    terms = _terms()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(("registry/", "fake_openai/")) or relative in NOT_YET:
            continue
        for literal in _literals(path.read_text(encoding="utf-8")):
            found += [
                f"{relative}: {name} in {literal!r}"
                for name, t in terms.items()
                if t.search(literal)
            ]
    assert not found, "\n".join(found)


def test_the_enforcement_sees_a_spelled_prefix(tmp_path: Path) -> None:
    """The scan is not vacuous: a module spelling a prefix or a host is caught."""
    terms = _terms()
    literals = _literals('X = "gsk_"\nY = f"https://{1}.api.groq.com/v1"\n')
    assert any(t.search(lit) for lit in literals for t in terms.values())


@pytest.mark.parametrize("kind", GENERATED, ids=lambda k: k.name)
def test_every_kind_generates_keys_it_recognises(kind: registry.KeyKind) -> None:
    """Layouts and pattern agree: a key built from a kind's layout is that kind, and the
    redaction pattern finds every prefixed kind's key whole."""
    rng = random.Random(kind.name)
    for _ in range(20):
        key = key_of_kind(kind, rng)
        assert registry.kind_of(key) is kind
        if kind.prefix and kind.name != "jwt":
            match = registry.KEY_SHAPE.search(f"x {key} y")
            assert match is not None and match.group(0) == key


def test_default_hosts_come_from_the_registry() -> None:
    """Settings, the default TOML and the profiles read the registry's inspected hosts."""
    assert Settings().hosts == DEFAULT_HOSTS == registry.DEFAULT_HOSTS
    for host in ("eu.api.openai.com", "ae.api.openai.com", "us.api.openai.com"):
        assert host in DEFAULT_HOSTS and provider_for_host(host) == "openai"
    assert provider_for_host("proj.services.ai.azure.com") == "azure"
    assert provider_for_host("models.inference.ai.azure.com") == "compatible"
    default_toml = (PACKAGE / "defaults" / "default.toml").read_text()
    assert not re.search(r"^hosts\s*=", default_toml, re.M)


def test_credential_places_for_redaction() -> None:
    """The redaction layer's inputs: every place a key or a gateway credential travels."""
    for header in (
        "api-key",
        "x-api-key",
        "ocp-apim-subscription-key",
        "helicone-auth",
        "cf-aig-authorization",
        "x-portkey-api-key",
        "authorization",
    ):
        assert header in registry.CREDENTIAL_HEADERS
    assert {"key", "api-key", "subscription-key"} <= registry.KEY_QUERY_PARAMS


@pytest.mark.parametrize(
    ("issuer", "owner"),
    [
        ("https://sts.windows.net/tenant/", "azure"),
        ("https://login.microsoftonline.com/t/v2.0", "azure"),
        ("https://auth.openai.com", "openai"),
        ("https://example.invalid/", None),
    ],
)
def test_jwt_issuers_name_their_provider(issuer: str, owner: str | None) -> None:
    """A JWT is named by its `iss` claim (read, never verified)."""
    from tests.keygen import jwt

    assert registry.jwt_issuer_provider(jwt(random.Random(1), issuer)) == owner


def test_the_registry_imports_nothing_else_of_ours_and_no_mitmproxy() -> None:
    """Data plus lookups: every layer may read it, so it depends on none of them."""
    for path in (PACKAGE / "registry").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith("mitmproxy"), (path.name, name)
                if name.startswith("authlens"):
                    assert name.startswith("authlens.registry"), (path.name, name)
