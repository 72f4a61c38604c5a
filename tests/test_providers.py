"""Inspected hosts and provider profiles."""

from __future__ import annotations

import pytest

from authlens.providers import HostMatcher, provider_for_host
from authlens.settings import Settings


@pytest.mark.parametrize(
    ("host", "provider"),
    [
        ("api.openai.com", "openai"),
        ("API.OpenAI.com.", "openai"),
        ("myres.openai.azure.com", "azure"),
        ("myres.cognitiveservices.azure.com", "azure"),
        ("myres.services.ai.azure.com", "azure"),
        ("api.groq.com", "compatible"),
        ("127.0.0.1", "compatible"),
    ],
)
def test_provider_for_host(host: str, provider: str) -> None:
    """Known hosts get their profile; anything else is OpenAI-compatible."""
    assert provider_for_host(host) == provider


@pytest.mark.parametrize(
    ("host", "inspected"),
    [
        ("api.openai.com", True),
        ("res.openai.azure.com", True),
        ("openai.azure.com", False),
        ("api.openai.com.evil.example", False),
        ("example.com", False),
    ],
)
def test_default_hosts(host: str, inspected: bool) -> None:
    """The default globs match OpenAI and Azure OpenAI hosts, nothing else."""
    assert HostMatcher(Settings().hosts)(host) is inspected


def test_empty_matcher_matches_nothing() -> None:
    """No patterns means no host is inspected."""
    assert not HostMatcher([])("api.openai.com")
