"""Whose key a token is, and whose host a host is."""

from __future__ import annotations

import pytest

from authlens.credentials.provider_keys import host_owner, key_owner
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
        (sk.relay_key(), "relay"),
        ("sk-" + sk.body(10), "openai"),  # a cut legacy key
        ("ghp_" + sk.body(36), "github"),
        ("github_pat_" + sk.body(22) + "_" + sk.body(59, 1), "github"),
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
        ("eu.api.openai.com", "openai"),
        ("models.github.ai", "github"),
        ("dashscope.aliyuncs.com", "dashscope"),
        ("localhost", None),
        ("api.openai.com.evil.example", None),
    ],
)
def test_host_owner(host: str, owner: str | None) -> None:
    """Known API hosts map to their provider; anything else is unknown."""
    assert host_owner(host) == owner
