"""What every response-side rule module builds its findings with.

`finding` makes a response-side `Finding` whose hint is one line; `said` asks what
the reply said; `who_answered` and `worked_with` put who answered and what the key's history
knows into a hint. Used by `response_rules`, `account_rules`, `access_rules`, `azure_rules`,
`policy_rules`, `token_rules` and `fallback_rules`.
"""

from __future__ import annotations

from authlens.diagnosis.evidence import Evidence
from authlens.diagnosis.hints import one_line, safe_label, utc_clock
from authlens.diagnosis.upstream import UpstreamReply
from authlens.exchange import Finding, Side

API_KEYS_PAGE = "https://platform.openai.com/api-keys"
ORG_PAGE = "https://platform.openai.com/settings/organization/general"
WHO = {
    "openai": "OpenAI",
    "azure": "Azure OpenAI",
    "anthropic": "Anthropic",
    "litellm": "a LiteLLM proxy",
    "one-api": "a one-api/new-api relay",
    "groq": "Groq",
    "openrouter": "OpenRouter",
    "mistral": "Mistral",
    "unknown": "the upstream",
}


def finding(cause: str, hint: str) -> Finding:
    """A response-side finding whose hint is one ASCII line.

    Not redacted here: a hint is redacted once, where it leaves authlens, with every secret
    of the exchange (`build_event`, `explain`). The key's fingerprint in it survives that:
    a fingerprint is not key-shaped (`sk-svcacct-...wxyz` ends its prefix in "...").
    """
    return Finding(cause, one_line(hint), Side.RESPONSE)


def said(reply: UpstreamReply | None, *needles: str, codes: tuple[str, ...] = ()) -> bool:
    """Whether the reply's code is one of `codes` or its message contains one of `needles`."""
    if reply is None:
        return False
    if reply.code in codes or (reply.error_type is not None and reply.error_type in codes):
        return True
    message = reply.message.lower()
    return any(needle in message for needle in needles)


def may_say(message: str, *words: str) -> bool:
    """False only if `message` holds not all of `words` in any case: a cheap look before a
    case-insensitive regex (`re` also folds a few non-ASCII letters: those always look)."""
    if not message.isascii():
        return True
    lowered = message.lower()
    return all(word in lowered for word in words)


def who_answered(reply: UpstreamReply) -> str:
    """'a LiteLLM proxy', 'an intermediary (nginx/1.25)', ... for hints."""
    if reply.answered_by == "intermediary":
        page = "an HTML page" if reply.envelope == "html" else "a foreign body"
        server = f"Server: {reply.server}, " if reply.server else ""
        return f"an intermediary ({server}{page}, no upstream request id)"
    return WHO.get(reply.answered_by, reply.answered_by)


def worked_with(ev: Evidence, what: str) -> str:
    """' This key worked with organization x at 10:42 UTC.' when history knows, else ''."""
    if ev.seen is None:
        return ""
    value = safe_label(ev.seen.organization if what == "organization" else ev.seen.project)
    if not value:
        return ""
    when = utc_clock(ev.seen.last_ok, now=ev.exchange.ended)
    return f" This key worked with {what} {value} at {when}."
