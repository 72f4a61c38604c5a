"""Key formats and the key fingerprint (contract section 6).

Formats come from `shared/corpus/openai_auth_facts.md` section 3 (gitleaks, trufflehog,
kingfisher rules). A fingerprint shows a key's kind prefix, its last 4 characters and a short
SHA-256 (built in `authlens.secrets.fingerprint`).

`openai_shape` measures an `sk-...` token against OpenAI's formats (valid, truncated, a
relay's plausible look-alike); the classifier never flags a valid one. Precision comes first:
every format in the facts file (legacy 51, sk-proj 56/132/164, sk-svcacct, sk-admin, sk-None,
sk-service-<name>) is valid, and marker-less `sk-` keys of 32+ characters are only plausible,
since relays (one-api, chatanywhere) mint them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

# Characters that can wrap a pasted key without being part of it; skipped to find its prefix.
_WRAPPING = " \t\r\n\"'`{}$<>[]()"


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
    # Realtime API client secrets, minted for browsers; sent as Bearer like a key.
    _kind("openai_ephemeral", "ek_", "openai", r"ek_[A-Za-z0-9_-]{16,200}"),
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
    _kind(
        "jwt",
        "eyJ",
        "jwt",
        r"eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{0,4096}",
    ),
)

# Every literal prefix a fingerprint may show, longest first.
_PREFIXES = tuple(sorted({k.prefix for k in KINDS if k.prefix}, key=len, reverse=True))


def _kinds_by_first_character() -> dict[str, tuple[KeyKind, ...]]:
    """For each first character a prefix starts with, the kinds a token so starting may be.

    Every pattern starts with its literal prefix, so the others cannot match; `KINDS` order
    is kept. The prefix-less kind (Azure) is in every list, and alone under `""`.
    """
    firsts = {kind.prefix[0] for kind in KINDS if kind.prefix}
    table = {
        first: tuple(k for k in KINDS if not k.prefix or k.prefix[0] == first) for first in firsts
    }
    table[""] = tuple(k for k in KINDS if not k.prefix)
    return table


_KINDS_BY_FIRST = _kinds_by_first_character()


def key_kind(token: str) -> KeyKind | None:
    """The format `token` matches exactly, or None (no guessing from prefixes alone)."""
    candidates = _KINDS_BY_FIRST.get(token[:1]) or _KINDS_BY_FIRST[""]
    for kind in candidates:
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


# base64 of "OpenAI": every current OpenAI key carries it between two random halves.
OPENAI_MARKER = "T3Blbk" + "FJ"
# OpenAI-issued prefixes besides the bare legacy `sk-`; longest first.
OPENAI_SCOPED_PREFIXES = ("sk-svcacct-", "sk-service-", "sk-admin-", "sk-proj-", "sk-None-")
_NOT_OPENAI_SK = ("sk-ant-", "sk-or-")
_KEY_BODY = re.compile(r"[A-Za-z0-9_-]{1,1000}")
_HALF_MIN = 20  # the legacy key's halves around the marker; newer keys have 58 or 74
_SCOPED_BODIES_WITHOUT_MARKER = frozenset({48})  # early sk-proj- / sk-None- keys (56 chars)
_LONG_BODY = 100  # kingfisher: sk-(proj|svcacct|None)- + 100 or more
_LEGACY_BODIES_WITHOUT_MARKER = frozenset({92})  # 95-char sk- keys seen by clients
RELAY_MIN_BODY = 32  # `sk-` relay keys (one-api, chatanywhere) are 48; DeepSeek's are 32


class Shape(StrEnum):
    """How a token that starts like an OpenAI key measures up to the known formats."""

    VALID = "valid"  # a known OpenAI format: never flagged
    PLAUSIBLE = "plausible"  # `sk-` without the marker, long enough for a relay's key
    TRUNCATED = "truncated"  # an OpenAI prefix with too few characters
    DEGENERATE = "degenerate"  # a prefix with nothing, or only 1-2 distinct characters, after it


def openai_shape(token: str) -> Shape | None:
    """The shape of an `sk-...` token of OpenAI's charset, or None for anything else."""
    prefix = next((p for p in OPENAI_SCOPED_PREFIXES if token.startswith(p)), None)
    if prefix is None:
        if not token.startswith("sk-") or token.startswith(_NOT_OPENAI_SK):
            return None
        prefix = "sk-"
    body = token[len(prefix) :]
    if len(set(body)) <= 2 and OPENAI_MARKER not in body:
        return Shape.DEGENERATE if _KEY_BODY.fullmatch(body) or not body else None
    if not _KEY_BODY.fullmatch(body):
        return None
    head, marker, tail = body.partition(OPENAI_MARKER)
    if marker:
        return Shape.VALID if min(len(head), len(tail)) >= _HALF_MIN else Shape.TRUNCATED
    if prefix == "sk-":
        if len(body) in _LEGACY_BODIES_WITHOUT_MARKER:
            return Shape.VALID
        return Shape.PLAUSIBLE if len(body) >= RELAY_MIN_BODY else Shape.TRUNCATED
    if len(body) in _SCOPED_BODIES_WITHOUT_MARKER or len(body) >= _LONG_BODY:
        return Shape.VALID
    # Marker-less and short: a 132/164-character key cut before its marker.
    return Shape.TRUNCATED


def is_valid_openai_key(token: str) -> bool:
    """True for every known OpenAI key format (legacy, sk-proj, sk-svcacct, sk-admin, ...)."""
    return openai_shape(token) is Shape.VALID


# What our own redaction writes in place of a key: `<prefix>...<last 4> sha256:<12 hex>`.
_FINGERPRINT = re.compile(
    r"(?P<prefix>[A-Za-z0-9_-]{0,16})\.\.\.(?P<last4>[^\r\n]{0,40}?) sha256:[0-9a-f]{12}"
)


def parse_fingerprint(value: str) -> tuple[str, str] | None:
    """(kind prefix, last 4 as shown) of an authlens fingerprint, or None for anything else."""
    value = value.strip()
    match = _FINGERPRINT.fullmatch(value) if len(value) <= 80 else None
    return (match.group("prefix"), match.group("last4")) if match else None


def is_fingerprint(value: str) -> bool:
    """True when `value` is an authlens fingerprint (a scrubbed flow or HAR), not a key."""
    return parse_fingerprint(value) is not None


def __getattr__(name: str) -> Callable[[str], str]:
    """`fingerprint_key` moved to `authlens.secrets.fingerprint`; the old path still works.

    Imported on first use: `secrets` imports this module, so a top-level import would cycle.
    """
    if name == "fingerprint_key":
        from authlens.secrets.fingerprint import fingerprint_key  # noqa: PLC0415

        return fingerprint_key
    raise AttributeError(name)
