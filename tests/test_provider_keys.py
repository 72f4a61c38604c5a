"""Whose key a token is, and whose host a host is."""

from __future__ import annotations

import pytest

from authlens.credentials.provider_keys import PROVIDERS, host_owner, key_owner
from tests import synthetic_keys as sk


@pytest.mark.parametrize(
    ("token", "owner"),
    [
        (sk.anthropic_key(), "anthropic"),
        ("sk-ant-" + sk.body(5), "anthropic"),
        (sk.openrouter_key(), "openrouter"),
        (sk.google_key(), "google"),
        (sk.groq_key(), "groq"),
        ("gsk_" + sk.body(10), "groq"),
        (sk.xai_key(), "xai"),
        (sk.huggingface_key(), "huggingface"),
        (sk.perplexity_key(), "perplexity"),
        (sk.deepseek_key(), "deepseek"),
        (sk.azure_hex_key(), "azure"),
        (sk.azure_long_key(), "azure"),
        (sk.project_key(), "openai"),
        (sk.legacy_key(), "openai"),
        ("sk-proj-" + sk.body(10), "openai"),
        (sk.relay_key(), None),
        ("sk-" + sk.body(10), None),
        (sk.jwt(), None),
        ("DEADBEEF", None),
        (sk.body(32, 1, "0123456789ABCDEF"), None),
    ],
)
def test_key_owner(token: str, owner: str | None) -> None:
    """Distinctive prefixes name their provider; bare `sk-` shapes only when exact."""
    assert key_owner(token) == owner


@pytest.mark.parametrize(
    ("host", "owner"),
    [
        ("api.openai.com", "openai"),
        ("API.OpenAI.com.", "openai"),
        ("myres.openai.azure.com", "azure"),
        ("myres.cognitiveservices.azure.com", "azure"),
        ("proj.services.ai.azure.com", "azure"),
        ("api.anthropic.com", "anthropic"),
        ("api.groq.com:443", "groq"),
        ("openrouter.ai", "openrouter"),
        ("api.x.ai", "xai"),
        ("router.huggingface.co", "huggingface"),
        ("api.deepseek.com", "deepseek"),
        ("localhost", None),
        ("api.openai.com.evil.example", None),
    ],
)
def test_host_owner(host: str, owner: str | None) -> None:
    """Known API hosts map to their provider; anything else is unknown."""
    assert host_owner(host) == owner


def test_every_provider_has_ascii_advice() -> None:
    """Hints are built from this table, so it must be ASCII and name real places."""
    for info in PROVIDERS.values():
        for text in (info.name, info.key_shape, info.base_url, info.variable, info.console):
            assert text.isascii()
            assert text
