"""Key formats and the key fingerprint (contract section 6).

Formats come from `shared/corpus/openai_auth_facts.md` section 3 (gitleaks, trufflehog,
kingfisher rules). A fingerprint shows a key's kind prefix, its last 4 characters and a short
SHA-256, so people can match it against their dashboard without seeing the key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# Characters that can wrap a pasted key without being part of it; skipped to find its prefix.
_WRAPPING = " \t\r\n\"'`{}$<>[]()"
_SHOW_LAST4_FROM = 20


@dataclass(frozen=True, slots=True)
class KeyKind:
    """A credential format: the literal prefix shown in fingerprints and who issues it."""

    name: str
    prefix: str
    provider: str  # "openai", "anthropic", ... ; "chatgpt" for browser session keys
    pattern: re.Pattern[str]


def _kind(name: str, prefix: str, provider: str, pattern: str) -> KeyKind:
    return KeyKind(name, prefix, provider, re.compile(pattern))


_OPENAI_BODY = r"[A-Za-z0-9_-]{40,400}"

# Longest prefixes first: `startswith` picks the first match.
KINDS: tuple[KeyKind, ...] = (
    _kind(
        "anthropic_admin", "sk-ant-admin01-", "anthropic", r"sk-ant-admin01-[A-Za-z0-9_-]{80,120}"
    ),
    _kind("anthropic_oauth", "sk-ant-oat01-", "anthropic", r"sk-ant-oat01-[A-Za-z0-9_-]{60,120}"),
    _kind("anthropic", "sk-ant-api03-", "anthropic", r"sk-ant-api03-[A-Za-z0-9_-]{80,120}"),
    _kind("anthropic_other", "sk-ant-", "anthropic", r"sk-ant-[A-Za-z0-9_-]{40,200}"),
    _kind("openrouter", "sk-or-v1-", "openrouter", r"sk-or-v1-[A-Za-z0-9]{64}"),
    _kind("openai_admin", "sk-admin-", "openai", rf"sk-admin-{_OPENAI_BODY}"),
    _kind("openai_service_account", "sk-svcacct-", "openai", rf"sk-svcacct-{_OPENAI_BODY}"),
    _kind("openai_service_account", "sk-service-", "openai", rf"sk-service-{_OPENAI_BODY}"),
    _kind("openai_project", "sk-proj-", "openai", rf"sk-proj-{_OPENAI_BODY}"),
    _kind("openai_user", "sk-None-", "openai", rf"sk-None-{_OPENAI_BODY}"),
    # DeepSeek keys (`sk-` + 32 hex) deliberately look like legacy OpenAI keys; the length tells.
    _kind("deepseek", "sk-", "deepseek", r"sk-[a-f0-9]{32}"),
    _kind("openai_legacy", "sk-", "openai", r"sk-[A-Za-z0-9_-]{40,400}"),
    _kind("chatgpt_session", "sess-", "chatgpt", r"sess-[A-Za-z0-9]{40}"),
    _kind("google", "AIza", "google", r"AIza[A-Za-z0-9_-]{35}"),
    _kind("groq", "gsk_", "groq", r"gsk_[A-Za-z0-9]{52}"),
    _kind("xai", "xai-", "xai", r"xai-[A-Za-z0-9_]{80}"),
    _kind("huggingface", "hf_", "huggingface", r"hf_[A-Za-z0-9]{34}"),
    _kind("perplexity", "pplx-", "perplexity", r"pplx-[A-Za-z0-9]{48}"),
    _kind(
        "azure",
        "",
        "azure",
        r"[a-f0-9]{32}|[A-Za-z0-9+/]{60,100}(?:JQQJ|AAAB|ACOGk)[A-Za-z0-9+/=]{0,30}",
    ),
    _kind("jwt", "eyJ", "jwt", r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
)

# Every literal prefix a fingerprint may show, longest first.
_PREFIXES = tuple(sorted({k.prefix for k in KINDS if k.prefix}, key=len, reverse=True))


def key_kind(token: str) -> KeyKind | None:
    """The format `token` matches exactly, or None (no guessing from prefixes alone)."""
    for kind in KINDS:
        if kind.pattern.fullmatch(token):
            return kind
    return None


def kind_prefix(token: str) -> str:
    """The known literal prefix of `token` (after quotes or braces around it), or ''."""
    bare = token.lstrip(_WRAPPING)
    for prefix in _PREFIXES:
        if bare.startswith(prefix):
            return prefix
    return ""


def fingerprint_key(token: str) -> str:
    """`<kind prefix>...<last 4> sha256:<12 hex>`; no last 4 below 20 characters."""
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    last4 = token[-4:] if len(token) >= _SHOW_LAST4_FROM else ""
    if not last4.isascii() or not last4.isprintable():
        last4 = last4.encode("ascii", "backslashreplace").decode()
    return f"{kind_prefix(token)}...{last4} sha256:{digest}"
