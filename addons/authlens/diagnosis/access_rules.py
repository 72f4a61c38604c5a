"""Response-side rules for 403, 404 and 429: region, model access, base URL, quota, rate.

These name what the request alone cannot show, so they win over request-side findings
(contract section 7). Each returns a Finding or None.
"""

from __future__ import annotations

import re

from authlens.diagnosis.evidence import Evidence
from authlens.diagnosis.findings import finding, said, who_answered
from authlens.diagnosis.hints import plain_header_value, quote_snippet
from authlens.exchange import Finding
from authlens.registry import PROVIDERS
from authlens.secrets.redactor import redact_path

BILLING_PAGE = "https://platform.openai.com/settings/organization/billing"
LIMITS_PAGE = "https://platform.openai.com/settings/organization/limits"
_RETRY_HEADERS = (
    "retry-after-ms",
    "retry-after",
    "x-ratelimit-reset-requests",
    "x-ratelimit-reset-tokens",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-remaining-tokens",
)
# "Insufficient credits" (OpenRouter 402), "Insufficient Balance" (DeepSeek 402), "credit
# balance is too low": credit words next to a shortage word.
_NO_CREDIT = re.compile(
    r"\b(?:insufficient|not enough|too low|exhausted|no)\b.{0,20}\b(?:credits?|balance)\b"
    r"|\b(?:credits?|balance)\b.{0,20}\b(?:insufficient|too low|exhausted)\b",
    re.I | re.S,
)
_TRY_AGAIN = re.compile(r"try again in ([0-9.]{1,10}m?s)")
_PROJECT = re.compile(r"Project `?(proj_[A-Za-z0-9]{1,64})`?")
_BACKTICKED = re.compile(r"`([A-Za-z0-9._:/-]{1,80})`")
# An endpoint used as the base URL: the SDK appends the endpoint again.
_ENDPOINT = r"(?:chat/completions|completions|embeddings|responses|moderations|images|audio|models)"
_ENDPOINT_AS_BASE = re.compile(rf"/{_ENDPOINT}(?:/[^/]+)?/(?:v1/)?{_ENDPOINT}(?:/|$)")


def region_unsupported(ev: Evidence) -> Finding | None:
    """403: the egress IP's country, region or territory is not supported."""
    needles = ("country, region, or territory not supported",)
    if not said(ev.reply, *needles, codes=("unsupported_country_region_territory",)):
        return None
    return finding(
        "region_unsupported",
        "OpenAI refuses requests from this egress IP's country or region: run the client (or "
        "the proxy, VPN, serverless region) from a supported country, see "
        "https://platform.openai.com/docs/supported-countries.",
    )


def model_access_denied(ev: Evidence) -> Finding | None:
    """403/404: the model does not exist, or this project or key has no access to it."""
    reply = ev.reply
    if reply is None or ev.status not in (403, 404):
        return None
    needles = ("does not have access to model", "does not exist", "not allowed to sample")
    if not said(reply, *needles, codes=("model_not_found",)):
        return None
    named = _BACKTICKED.findall(reply.message)
    model = named[-1] if named else ev.exchange.model
    shown = quote_snippet(model, 60) if model else "requested"
    if project := _PROJECT.search(reply.message):
        proj = project.group(1)
        return finding(
            "model_access_denied",
            f"Project {proj} has no access to model {shown}: allow it under Settings > Project > "
            f"Limits (https://platform.openai.com/settings/{proj}/limits) or use another model.",
        )
    return finding(
        "model_access_denied",
        f"The model {shown} does not exist or this key's project cannot use it: check the name "
        "(GET /v1/models lists yours) and the project's allowed models (Settings > Project > "
        "Limits).",
    )


def wrong_base_url(ev: Evidence) -> Finding | None:
    """404 for an unknown URL: missing or doubled /v1, or an endpoint used as the base URL."""
    reply, ex = ev.reply, ev.exchange
    if reply is None or ex.status != 404:
        return None
    web_page = ex.provider == "compatible" and reply.envelope == "html"
    if not web_page and not said(
        reply, "invalid url (", "unknown request url", codes=("unknown_url",)
    ):
        return None
    path = ex.path.partition("?")[0]
    shown = quote_snippet(redact_path(path, ev.secrets), 80)
    if ex.proxy_url:
        base = f"{ex.proxy_url}/v1"  # reverse mode: the upstream's own URL would bypass us
    elif ex.provider == "openai":
        base = PROVIDERS["openai"].base_url
    else:
        base = f"https://{ex.host}/v1"
    if "/v1/v1" in path:
        advice = f"has /v1 twice: OPENAI_BASE_URL must end with a single /v1 ({base})"
    elif _ENDPOINT_AS_BASE.search(path):
        advice = (
            f"repeats the endpoint: OPENAI_BASE_URL must be the API root ({base}), "
            "not an endpoint URL"
        )
    elif ex.provider == "openai" and not path.startswith("/v1/"):
        advice = f"lacks /v1: set OPENAI_BASE_URL={base}"
    elif web_page:
        advice = (
            "got a web page, not an API: set OPENAI_BASE_URL to the provider's documented API root"
        )
    else:
        advice = f"is not an endpoint: check its spelling and OPENAI_BASE_URL ({base})"
    return finding("wrong_base_url", f"The path {ex.method} {shown} {advice}.")


def insufficient_quota(ev: Evidence) -> Finding | None:
    """429 (402 at credit-based providers): no credit, no billing, or the spend limit reached."""
    reply = ev.reply
    if reply is None or ev.status not in (402, 429):
        return None
    codes = ("insufficient_quota", "billing_hard_limit_reached", "credit_balance_exhausted")
    if not said(reply, "exceeded your current quota", codes=codes) and not _NO_CREDIT.search(
        reply.message
    ):
        return None
    if reply.answered_by not in ("openai", "intermediary", "azure"):
        who = who_answered(reply)
        return finding(
            "insufficient_quota",
            f"{who} says the account has no credit left (not a key problem): add credit or "
            f"raise the limit in {who}'s console for the key's account.",
        )
    return finding(
        "insufficient_quota",
        f"No API credit or quota left (not a key problem): add credit or raise the budget at "
        f"{BILLING_PAGE}; a ChatGPT subscription does not pay for the API.",
    )


def rate_limited(ev: Evidence) -> Finding | None:
    """429: a rate limit; the hint carries the retry and reset values the upstream sent."""
    if ev.status != 429:
        return None
    reply = ev.reply
    headers = ev.exchange.response_headers
    values = [
        f"{name}: {v}" for name in _RETRY_HEADERS if (v := plain_header_value(headers.get(name)))
    ]
    if reply and (wait := _TRY_AGAIN.search(reply.message)):
        values.insert(0, f"try again in {wait.group(1)}")
    timing = f" ({'; '.join(values)})" if values else ""
    if said(reply, "request too large"):
        return finding(
            "rate_limited",
            "One request is larger than the tokens-per-minute limit; waiting will not help: send "
            f"fewer input tokens or a lower max_tokens, or raise the limit at {LIMITS_PAGE}.",
        )
    return finding(
        "rate_limited",
        f"Rate limited{timing}: retry with backoff, lower concurrency, or raise the limits at "
        f"{LIMITS_PAGE}.",
    )
