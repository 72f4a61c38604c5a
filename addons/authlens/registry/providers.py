"""Providers: hosts, credential places, consoles, variables, request ids and error shapes.

`profile` is how authlens judges a host's traffic: "openai", "azure", or "compatible" (any
OpenAI-compatible service). `inspect` marks the hosts inspected by default (contract section
2). Sources are the providers' public API references, cited per entry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Provider:
    """One provider or gateway, as hints and the rules need it."""

    id: str
    name: str  # "Anthropic"
    hosts: tuple[str, ...] = ()  # glob patterns
    profile: str = "compatible"
    inspect: bool = False  # its hosts are inspected by default
    key_headers: tuple[str, ...] = ()  # headers that carry its keys, besides Authorization
    key_query_params: tuple[str, ...] = ()
    gateway_headers: tuple[str, ...] = ()  # a gateway's own credential, sent next to the key
    base_url: str = ""  # its OpenAI-compatible base URL (for OPENAI_BASE_URL)
    variables: tuple[str, ...] = ()  # environment variables its own SDKs read
    console: str = ""  # where its keys are created
    key_shape: str = ""  # how its keys look, as hints show it
    request_id_headers: tuple[str, ...] = ()
    brand_headers: tuple[str, ...] = ()  # response headers only it sends
    error_shape: str = ""  # the error body envelope it answers with
    jwt_issuers: tuple[str, ...] = ()  # `iss` prefixes of the tokens it issues
    exchange_host: str = ""  # where workload identity tokens are exchanged
    entra_scope: str = ""  # the scope an Entra ID token must be requested for
    # Foundry project endpoints (`<host suffix>` + `/api/projects/...`) take tokens for another
    # audience than the resource's (https://learn.microsoft.com/azure/ai-foundry/).
    project_host_suffix: str = ""
    project_audience: str = ""
    regional_hosts: tuple[str, ...] = ()  # data-residency hosts a project may be bound to

    @property
    def entra_audience(self) -> str:
        return self.entra_scope.removesuffix("/.default")

    @property
    def variable(self) -> str:
        return self.variables[0] if self.variables else "OPENAI_API_KEY"


_ENTRA = ("https://sts.windows.net/", "https://login.microsoftonline.com/")

PROVIDERS: dict[str, Provider] = {
    p.id: p
    for p in (
        # https://platform.openai.com/docs/api-reference/authentication; data residency:
        # https://platform.openai.com/docs/guides/your-data#data-residency-controls.
        Provider(
            "openai",
            "OpenAI",
            (
                "api.openai.com",
                "us.api.openai.com",
                "eu.api.openai.com",
                "ae.api.openai.com",
                # Regions added later are data-residency hosts too.
                "*.api.openai.com",
                "auth.openai.com",
            ),
            "openai",
            inspect=True,
            base_url="https://api.openai.com/v1",
            variables=("OPENAI_API_KEY", "OPENAI_ADMIN_KEY"),
            console="https://platform.openai.com/api-keys",
            key_shape="sk-proj-...",
            request_id_headers=("x-request-id",),
            brand_headers=("openai-version", "openai-processing-ms", "openai-organization"),
            error_shape='{"error": {"message", "type", "param", "code"}}',
            jwt_issuers=("https://auth.openai.com",),
            exchange_host="auth.openai.com",
            regional_hosts=("us.api.openai.com", "eu.api.openai.com", "ae.api.openai.com"),
        ),
        # https://learn.microsoft.com/azure/ai-services/openai/reference#authentication;
        # APIM: https://learn.microsoft.com/azure/api-management/api-management-subscriptions.
        Provider(
            "azure",
            "Azure OpenAI",
            ("*.openai.azure.com", "*.cognitiveservices.azure.com", "*.services.ai.azure.com"),
            "azure",
            inspect=True,
            key_headers=("api-key", "ocp-apim-subscription-key"),
            key_query_params=("api-key", "subscription-key"),
            base_url="https://<resource>.openai.azure.com",
            variables=("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN"),
            console="the Azure portal (resource > Keys and Endpoint)",
            key_shape="32 hex or 84 characters",
            request_id_headers=("apim-request-id",),
            brand_headers=("apim-request-id", "x-ms-region", "azureml-model-session"),
            error_shape='{"error": {"code", "message"}} or {"statusCode", "message"}',
            jwt_issuers=_ENTRA,
            entra_scope="https://cognitiveservices.azure.com/.default",
            project_host_suffix=".services.ai.azure.com",
            project_audience="https://ai.azure.com",
        ),
        # https://docs.claude.com/en/api/getting-started
        Provider(
            "anthropic",
            "Anthropic",
            ("api.anthropic.com",),
            key_headers=("x-api-key",),
            base_url="https://api.anthropic.com/v1/",
            variables=("ANTHROPIC_API_KEY",),
            console="https://console.anthropic.com/settings/keys",
            key_shape="sk-ant-...",
            request_id_headers=("request-id",),
            brand_headers=("anthropic-organization-id",),
            error_shape='{"type": "error", "error": {"type", "message"}, "request_id"}',
        ),
        # https://ai.google.dev/gemini-api/docs/openai
        Provider(
            "google",
            "Google Gemini",
            ("generativelanguage.googleapis.com",),
            key_headers=("x-goog-api-key",),
            key_query_params=("key",),
            base_url="https://generativelanguage.googleapis.com/v1beta/openai/",
            variables=("GEMINI_API_KEY", "GOOGLE_API_KEY"),
            console="https://aistudio.google.com/apikey",
            key_shape="AIza...",
            error_shape='{"error": {"code", "message", "status", "details"}}',
        ),
        # https://console.groq.com/docs/openai
        Provider(
            "groq",
            "Groq",
            ("api.groq.com",),
            base_url="https://api.groq.com/openai/v1",
            variables=("GROQ_API_KEY",),
            console="https://console.groq.com/keys",
            key_shape="gsk_...",
            brand_headers=("x-groq-region",),
            error_shape='{"error": {"message", "type", "code"}}',
        ),
        # https://openrouter.ai/docs/api-reference/authentication
        Provider(
            "openrouter",
            "OpenRouter",
            ("openrouter.ai",),
            base_url="https://openrouter.ai/api/v1",
            variables=("OPENROUTER_API_KEY",),
            console="https://openrouter.ai/settings/keys",
            key_shape="sk-or-v1-...",
            error_shape='{"error": {"message", "code": <number>}}',
        ),
        # https://docs.mistral.ai/api/
        Provider(
            "mistral",
            "Mistral",
            ("api.mistral.ai",),
            base_url="https://api.mistral.ai/v1",
            variables=("MISTRAL_API_KEY",),
            console="https://console.mistral.ai/api-keys",
            key_shape="32 letters and digits",
            error_shape='{"message", "request_id"}',
        ),
        # https://api-docs.deepseek.com/
        Provider(
            "deepseek",
            "DeepSeek",
            ("api.deepseek.com",),
            base_url="https://api.deepseek.com/v1",
            variables=("DEEPSEEK_API_KEY",),
            console="https://platform.deepseek.com/api_keys",
            key_shape="sk- + 32 hex",
        ),
        # https://www.alibabacloud.com/help/en/model-studio/compatibility-of-openai-with-dashscope
        Provider(
            "dashscope",
            "Alibaba DashScope",
            ("dashscope.aliyuncs.com", "dashscope-intl.aliyuncs.com"),
            base_url="https://dashscope.aliyuncs.com/compatible-mode/v1",
            variables=("DASHSCOPE_API_KEY",),
            console="https://bailian.console.aliyun.com/?apiKey=1",
            key_shape="sk- + 32 hex",
        ),
        # https://docs.x.ai/docs/api-reference
        Provider(
            "xai",
            "xAI",
            ("api.x.ai",),
            base_url="https://api.x.ai/v1",
            variables=("XAI_API_KEY",),
            console="https://console.x.ai",
            key_shape="xai-...",
        ),
        # https://docs.perplexity.ai/api-reference
        Provider(
            "perplexity",
            "Perplexity",
            ("api.perplexity.ai",),
            base_url="https://api.perplexity.ai",
            variables=("PERPLEXITY_API_KEY",),
            console="https://www.perplexity.ai/settings/api",
            key_shape="pplx-...",
        ),
        # https://huggingface.co/docs/inference-providers/index
        Provider(
            "huggingface",
            "Hugging Face",
            ("router.huggingface.co", "api-inference.huggingface.co"),
            base_url="https://router.huggingface.co/v1",
            variables=("HF_TOKEN",),
            console="https://huggingface.co/settings/tokens",
            key_shape="hf_...",
        ),
        # https://docs.github.com/en/github-models/use-github-models/prototyping-with-ai-models
        Provider(
            "github",
            "GitHub Models",
            ("models.github.ai", "models.inference.ai.azure.com"),
            base_url="https://models.github.ai/inference",
            variables=("GITHUB_TOKEN",),
            console="https://github.com/settings/tokens",
            key_shape="ghp_... or github_pat_...",
        ),
        # one-api / new-api style relays: `sk-` keys without OpenAI's marker, own base URL.
        Provider(
            "relay",
            "relay or API gateway (one-api/new-api style)",
            base_url="the base URL of the service that issued it",
            variables=("OPENAI_API_KEY",),
            console="that service's dashboard",
            key_shape="sk- + 48 characters, no OpenAI marker",
            error_shape='OpenAI envelope, message ending "(request id: <digits>)"',
        ),
        # https://docs.litellm.ai/docs/proxy/virtual_keys
        Provider(
            "litellm",
            "LiteLLM proxy",
            key_headers=("x-litellm-api-key",),
            base_url="the LiteLLM proxy's URL (e.g. http://localhost:4000)",
            variables=("LITELLM_API_KEY",),
            console="the LiteLLM admin UI (/ui)",
            key_shape="sk- + 22 characters",
            error_shape='{"error": {"type": "token_not_found_in_db", "code": "401"}}',
        ),
        # Gateways that take their own credential in a header of their own, next to the key:
        # https://docs.helicone.ai/, https://developers.cloudflare.com/ai-gateway/,
        # https://portkey.ai/docs/api-reference/inference-api/headers.
        Provider(
            "helicone",
            "Helicone",
            ("oai.helicone.ai", "ai-gateway.helicone.ai"),
            gateway_headers=("helicone-auth",),
        ),
        Provider(
            "cloudflare",
            "Cloudflare AI Gateway",
            ("gateway.ai.cloudflare.com",),
            gateway_headers=("cf-aig-authorization",),
        ),
        Provider("portkey", "Portkey", ("api.portkey.ai",), gateway_headers=("x-portkey-api-key",)),
        Provider(
            "chatgpt",
            "ChatGPT",
            console="https://chatgpt.com",
            key_shape="sess-...",
        ),
        Provider("jwt", "a JWT"),
    )
}
