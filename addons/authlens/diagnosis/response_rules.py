"""Response-side rules about who answered and the key: what the upstream said.

Each rule returns a Finding or None. They read the parsed reply (`upstream.py`), the key we
forwarded and the key's history; `rules.GENERIC_CAUSES` lists the answers a request-side
finding outranks. The helpers every response rule module uses are in `findings.py`.
"""

from __future__ import annotations

from authlens.credentials.keys import key_kind
from authlens.diagnosis.evidence import Evidence
from authlens.diagnosis.findings import API_KEYS_PAGE, finding, said, who_answered
from authlens.diagnosis.hints import quote_snippet, utc_clock
from authlens.diagnosis.jwt_claims import jwt_claims
from authlens.diagnosis.transit import echo_mismatch, fingerprint_in_token, forwarded_key
from authlens.diagnosis.upstream import UpstreamReply, echoed_key
from authlens.exchange import Finding
from authlens.registry import PROVIDERS

_NO_KEY_MESSAGES = ("you didn't provide an api key", "no auth credentials found")
_INVALID_KEY_MESSAGES = (
    "incorrect api key provided",
    "invalid api key",
    f"invalid {PROVIDERS['anthropic'].key_headers[0]}",  # Anthropic's wording
    "invalid authentication credentials",
    "invalid proxy server token",
    "authentication fails",
    "api key not valid",
)

_TOKEN_HOSTS = frozenset(p.exchange_host for p in PROVIDERS.values() if p.exchange_host)


def _expected(provider: str, answered_by: str) -> bool:
    if provider == "openai":
        return answered_by == "openai"
    if provider == "azure":
        return answered_by == "azure"
    return answered_by != "intermediary"


def rejected_by_intermediary(ev: Evidence) -> Finding | None:
    """The error did not come from the upstream the host belongs to."""
    reply, ex = ev.reply, ev.exchange
    if reply is None or _expected(ex.provider, reply.answered_by):
        return None
    if ex.provider == "azure" and ex.status == 401 and reply.envelope == "none":
        return None  # Azure refuses a token or key with an empty 401 (`azure_rules`)
    if ex.provider == "compatible" and ex.status == 404:
        return None  # a web page at a wrong base URL: `wrong_base_url` names it better
    if ex.host in _TOKEN_HOSTS:
        return None  # an OAuth token endpoint answers in OAuth's shape (RFC 6749, 5.2)
    quoted = quote_snippet(reply.message, 80, ev.secrets) if reply.message else ""
    detail = f" saying '{quoted}'" if quoted else ""
    return finding(
        "rejected_by_intermediary",
        f"The {ex.status} came from {who_answered(reply)}{detail}, not from {ex.host}: check the "
        "proxy or gateway after authlens (HTTPS_PROXY of the proxy, --mode upstream, DNS) "
        "and its own auth or rules.",
    )


def key_changed_in_transit(ev: Evidence) -> Finding | None:
    """OpenAI saw another key (or none) than the one authlens forwarded."""
    reply, cred = ev.reply, ev.credential
    if reply is None or cred is None or reply.answered_by not in ("openai", "openrouter"):
        return None
    echo = echoed_key(reply.message)
    if echo is not None:
        sent = forwarded_key(cred.upstream_value)
        differs = echo_mismatch(echo, sent) if sent is not None else None
        if differs is None:
            return None
        return finding(
            "key_changed_in_transit",
            f"The key the upstream echoes differs from the one authlens forwarded ({ev.key}) "
            f"in {differs}: a layer after this proxy (upstream proxy, gateway, middleware) "
            "rewrites the Authorization header; check its configuration.",
        )
    if not said(reply, *_NO_KEY_MESSAGES) or not _well_formed_bearer(ev):
        return None
    return finding(
        "key_changed_in_transit",
        f"authlens forwarded 'Authorization: Bearer {ev.key}' but the upstream saw no key: a "
        "layer after this proxy drops the header (nginx: proxy_set_header Authorization "
        "$http_authorization; check gateways and --mode upstream proxies).",
    )


def _well_formed_bearer(ev: Evidence) -> bool:
    cred = ev.credential
    if cred is None or cred.location != "authorization" or (cred.scheme or "").lower() != "bearer":
        return False
    if fingerprint := fingerprint_in_token(cred.token):
        return not fingerprint.startswith("...")  # a scrubbed flow: a known kind was sent
    return key_kind(cred.token.strip()) is not None


def _rejects_key(reply: UpstreamReply | None) -> bool:
    if reply is None:
        return False
    return said(reply, *_INVALID_KEY_MESSAGES, codes=("invalid_api_key", "token_not_found_in_db"))


def key_revoked(ev: Evidence) -> Finding | None:
    """A rejected key that got a 2xx through this proxy earlier."""
    if ev.seen is None or not _rejects_key(ev.reply):
        return None
    when = utc_clock(ev.seen.last_ok, now=ev.exchange.ended)
    return finding(
        "key_revoked",
        f"This key ({ev.key}) worked at {when} and is now rejected: revoked or rotated? Check "
        f"{API_KEYS_PAGE} and update OPENAI_API_KEY where the client runs.",
    )


def _entra_token(ev: Evidence) -> bool:
    """The credential is a JWT that Entra ID issued (an Azure token sent elsewhere)."""
    claims = jwt_claims(ev.credential.token) if ev.credential else None
    return claims is not None and claims.from_entra


def invalid_api_key(ev: Evidence) -> Finding | None:
    """A key the upstream rejects as incorrect."""
    reply = ev.reply
    if not _rejects_key(reply):
        return None
    assert reply is not None
    if reply.answered_by == "litellm":
        hint = (
            "The LiteLLM proxy does not know this key: use a virtual key from its /key/generate "
            "(or its master key), not a provider's key."
        )
    elif reply.answered_by in ("openai", "intermediary") and _entra_token(ev):
        hint = (
            "The Bearer token is a Microsoft Entra ID token, which only Azure accepts: send it "
            "to your Azure OpenAI endpoint (AzureOpenAI client, AZURE_OPENAI_ENDPOINT), or "
            f"send an OpenAI key from {API_KEYS_PAGE} to {PROVIDERS['openai'].hosts[0]}."
        )
    elif reply.answered_by in ("openai", "intermediary"):
        hint = (
            f"OpenAI rejected the key {ev.key}: deleted, rotated, or another account's or "
            f"provider's; compare its last 4 at {API_KEYS_PAGE} and fix OPENAI_API_KEY."
        )
    else:
        who = who_answered(reply)
        hint = (
            f"{who} rejected the key {ev.key}: check the key is one of {who}'s and that "
            "OPENAI_BASE_URL points at the provider that issued it."
        )
    return finding("invalid_api_key", hint)


def unknown_401(ev: Evidence) -> Finding | None:
    """Any other 401."""
    if ev.status != 401:
        return None
    reply = ev.reply
    quoted = quote_snippet(reply.message, 100, ev.secrets) if reply and reply.message else ""
    detail = f" (it said: {quoted})" if quoted else ""
    who = who_answered(reply) if reply else "the upstream"
    return finding(
        "unknown_401",
        f"{who} answered 401{detail}; check the key (OPENAI_API_KEY) and the "
        "OpenAI-Organization / OpenAI-Project headers (OPENAI_ORG_ID, OPENAI_PROJECT_ID).",
    )
