"""Whose key is this, and whose host is that: the facts behind `other_provider_key` hints.

Key formats come from `shared/corpus/openai_auth_facts.md` section 3. Prefixes like `gsk_` or
`sk-ant-` name their provider even when the key is cut short; DeepSeek's `sk-` + 32 hex and
Azure's 32 hex have no prefix of their own, so only their exact shape counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from authlens.credentials.keys import OPENAI_SCOPED_PREFIXES, Shape, openai_shape


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """Where a provider's keys come from and where they must be sent."""

    name: str  # "Anthropic"
    key_shape: str  # how its keys look, as shown in hints ("sk-ant-...")
    base_url: str  # its OpenAI-compatible base URL (for OPENAI_BASE_URL)
    variable: str  # the environment variable its own SDKs read
    console: str  # the page where its keys are created


PROVIDERS: dict[str, ProviderInfo] = {
    "openai": ProviderInfo(
        "OpenAI",
        "sk-proj-...",
        "https://api.openai.com/v1",
        "OPENAI_API_KEY",
        "https://platform.openai.com/api-keys",
    ),
    "azure": ProviderInfo(
        "Azure OpenAI",
        "32 hex or 84 characters",
        "https://<resource>.openai.azure.com",
        "AZURE_OPENAI_API_KEY",
        "the Azure portal (resource > Keys and Endpoint)",
    ),
    "anthropic": ProviderInfo(
        "Anthropic",
        "sk-ant-...",
        "https://api.anthropic.com/v1/",
        "ANTHROPIC_API_KEY",
        "https://console.anthropic.com/settings/keys",
    ),
    "google": ProviderInfo(
        "Google Gemini",
        "AIza...",
        "https://generativelanguage.googleapis.com/v1beta/openai/",
        "GEMINI_API_KEY",
        "https://aistudio.google.com/apikey",
    ),
    "groq": ProviderInfo(
        "Groq",
        "gsk_...",
        "https://api.groq.com/openai/v1",
        "GROQ_API_KEY",
        "https://console.groq.com/keys",
    ),
    "openrouter": ProviderInfo(
        "OpenRouter",
        "sk-or-v1-...",
        "https://openrouter.ai/api/v1",
        "OPENROUTER_API_KEY",
        "https://openrouter.ai/settings/keys",
    ),
    "xai": ProviderInfo(
        "xAI",
        "xai-...",
        "https://api.x.ai/v1",
        "XAI_API_KEY",
        "https://console.x.ai",
    ),
    "huggingface": ProviderInfo(
        "Hugging Face",
        "hf_...",
        "https://router.huggingface.co/v1",
        "HF_TOKEN",
        "https://huggingface.co/settings/tokens",
    ),
    "perplexity": ProviderInfo(
        "Perplexity",
        "pplx-...",
        "https://api.perplexity.ai",
        "PERPLEXITY_API_KEY",
        "https://www.perplexity.ai/settings/api",
    ),
    "deepseek": ProviderInfo(
        "DeepSeek",
        "sk- + 32 hex",
        "https://api.deepseek.com/v1",
        "DEEPSEEK_API_KEY",
        "https://platform.deepseek.com/api_keys",
    ),
}

# Distinctive prefixes, longest first where one extends another.
_PREFIX_OWNERS: tuple[tuple[str, str], ...] = (
    ("sk-ant-", "anthropic"),
    ("sk-or-", "openrouter"),
    ("AIza", "google"),
    ("gsk_", "groq"),
    ("xai-", "xai"),
    ("hf_", "huggingface"),
    ("api_org_", "huggingface"),
    ("pplx-", "perplexity"),
)
_DEEPSEEK = re.compile(r"sk-[a-f0-9]{32}")
_AZURE = re.compile(r"[a-f0-9]{32}|[A-Za-z0-9+/]{60,100}(?:JQQJ|AAAB|ACOGk)[A-Za-z0-9+/=]{0,30}")

_HOST_OWNERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), owner)
    for pattern, owner in (
        (r"api\.openai\.com", "openai"),
        (r"[a-z0-9-]{1,64}\.(?:openai\.azure\.com|cognitiveservices\.azure\.com)", "azure"),
        (r"[a-z0-9-]{1,64}\.services\.ai\.azure\.com", "azure"),
        (r"api\.anthropic\.com", "anthropic"),
        (r"generativelanguage\.googleapis\.com", "google"),
        (r"api\.groq\.com", "groq"),
        (r"openrouter\.ai", "openrouter"),
        (r"api\.x\.ai", "xai"),
        (r"(?:router|api-inference)\.huggingface\.co", "huggingface"),
        (r"api\.perplexity\.ai", "perplexity"),
        (r"api\.deepseek\.com", "deepseek"),
    )
)


def key_owner(token: str) -> str | None:
    """The provider that issues keys shaped like `token`, or None when it cannot tell.

    OpenAI is named only for its known formats, not for any `sk-` string: relays, DeepSeek
    and DashScope imitate the prefix.
    """
    for prefix, owner in _PREFIX_OWNERS:
        if token.startswith(prefix):
            return owner
    if _DEEPSEEK.fullmatch(token):
        return "deepseek"
    if token.startswith(OPENAI_SCOPED_PREFIXES) or openai_shape(token) is Shape.VALID:
        return "openai"
    if _AZURE.fullmatch(token):
        return "azure"
    return None


def host_owner(host: str) -> str | None:
    """The provider that runs `host` (a known API host), or None."""
    host = host.lower().rstrip(".").partition(":")[0]
    for pattern, owner in _HOST_OWNERS:
        if pattern.fullmatch(host):
            return owner
    return None
