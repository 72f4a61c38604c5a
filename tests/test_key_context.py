"""Where a credential value sits decides what it should be and which variable to fix."""

from __future__ import annotations

import pytest

from authlens.credentials.key_context import make_context


@pytest.mark.parametrize(
    ("kwargs", "provider", "expected", "variable", "subject"),
    [
        (
            {"provider": "openai", "location": "authorization"},
            "openai",
            "openai",
            "OPENAI_API_KEY",
            "The key in the Authorization header",
        ),
        (
            {"provider": "azure", "location": "api-key"},
            "azure",
            "azure",
            "AZURE_OPENAI_API_KEY",
            "The key in the api-key header",
        ),
        (
            {"provider": "azure", "location": "authorization"},
            "azure",
            "azure",
            "AZURE_OPENAI_AD_TOKEN",
            "The key in the Authorization header",
        ),
        (
            {"provider": None, "location": "env:AZURE_OPENAI_API_KEY"},
            "azure",
            "azure",
            "AZURE_OPENAI_API_KEY",
            "AZURE_OPENAI_API_KEY",
        ),
        (
            {"provider": None, "location": "env:OPENAI_API_KEY"},
            "openai",
            "openai",
            "OPENAI_API_KEY",
            "OPENAI_API_KEY",
        ),
        (
            {"provider": None, "location": "env:OPENAI_API_KEY", "host": "api.groq.com"},
            "compatible",
            "groq",
            "OPENAI_API_KEY",
            "OPENAI_API_KEY",
        ),
        (
            {"provider": "compatible", "location": "query:api_key", "host": "localhost"},
            "compatible",
            None,
            "OPENAI_API_KEY",
            "The key in the query parameter 'api_key'",
        ),
        (
            {"provider": "openai", "location": "query:k%y"},
            "openai",
            "openai",
            "OPENAI_API_KEY",
            "The key in the query parameter '?'",
        ),
    ],
)
def test_make_context(
    kwargs: dict[str, str | None],
    provider: str,
    expected: str | None,
    variable: str,
    subject: str,
) -> None:
    """Provider from the host or variable name; the variable and words hints use."""
    ctx = make_context(**kwargs)  # type: ignore[arg-type]
    assert (ctx.provider, ctx.expected, ctx.variable, ctx.subject) == (
        provider,
        expected,
        variable,
        subject,
    )


@pytest.mark.parametrize(
    ("provider", "location", "bearer", "azure_key"),
    [
        ("openai", "authorization", True, False),
        ("openai", "env:OPENAI_API_KEY", True, False),
        ("openai", "x-api-key", False, False),
        ("azure", "api-key", False, True),
        ("azure", "ocp-apim-subscription-key", False, True),
        ("azure", "authorization", True, False),
        ("azure", "env:AZURE_OPENAI_API_KEY", False, True),
        ("azure", "env:AZURE_OPENAI_AD_TOKEN", True, False),
    ],
)
def test_slots(provider: str, location: str, bearer: bool, azure_key: bool) -> None:
    """A bearer slot gets `Bearer ` prepended; an Azure key slot wants a resource key."""
    ctx = make_context(provider=provider, location=location)
    assert (ctx.bearer_slot, ctx.azure_key_slot) == (bearer, azure_key)
