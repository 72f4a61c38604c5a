"""The request-side checks on one credential value, each a small function of a `Probe`.

`classify.KEY_CHECKS` orders them, most specific first (contract section 7); each returns a
Finding or None and reads only the probe: the value, its place (`KeyContext`), its shape
and registry kind, measured once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from authlens.credentials import key_families as fam
from authlens.credentials import key_hints as hint
from authlens.credentials.admin_keys import classify_admin_variable
from authlens.credentials.credential import SCHEME_WORDS
from authlens.credentials.key_context import AUTHORIZATION, AZURE_KEY_PLACES, KeyContext
from authlens.credentials.keys import OPENAI_SK_PREFIXES, Shape, key_kind, openai_shape
from authlens.credentials.provider_keys import key_owner
from authlens.credentials.shape import written_body
from authlens.credentials.unwrap import doubled, inner_key
from authlens.exchange import Finding, Side
from authlens.providers import AZURE, COMPATIBLE, OPENAI
from authlens.registry import KEY_HEADERS, KeyKind, kind_by_name, kind_prefix

_AZURE_UPSTREAM_CODES = frozenset({"azure_invalid_key", "azure_token_invalid"})
_BEARER_WORD = re.compile(r"(?i)bearer(?:\s{1,8}|$)")
# Where OpenAI takes a key: the header, or a browser websocket's subprotocol (Realtime API).
_BEARER_PLACES = frozenset({AUTHORIZATION, "websocket-protocol"})
_JWT_KIND = "jwt"
_COMPATIBLE_MIN_BODY = 16  # relays and local servers mint short `sk-` keys too
_LEGACY_PREFIX = OPENAI_SK_PREFIXES[-1]  # the bare `sk-`
_SCOPED = OPENAI_SK_PREFIXES[:-1]
_EMBEDDED_SK = re.compile(re.escape(_LEGACY_PREFIX) + r"[A-Za-z0-9_-]{20,1000}")
_WORKLOAD_PLACEHOLDER = "openai_workload_placeholder"
_SESSION = kind_by_name("chatgpt_session")
# Shapes that fit no OpenAI layout although they start like one: the rules below say why.
_NOT_OPENAI = frozenset({Shape.FOREIGN, Shape.RELAY})


@dataclass(frozen=True, slots=True)
class Probe:
    """A value with everything the checks read, computed once."""

    value: str
    ctx: KeyContext
    shape: Shape | None
    fingerprint: bool  # our own redaction wrote it: read only the place, not the value
    kind: KeyKind | None  # the registry kind the value matches exactly

    @property
    def owner(self) -> str | None:
        return key_owner(self.value, self.shape, self.kind)

    @property
    def valid(self) -> bool:
        return self.shape is Shape.VALID or self.fingerprint


Check = Callable[[Probe], Finding | None]


def finding_for(probe: Probe, cause: str, text: str) -> Finding:
    # On Azure, a wrong key or token is all its 401s can say; the request side knows why.
    explains = _AZURE_UPSTREAM_CODES if probe.ctx.is_azure else frozenset[str]()
    return Finding(cause, text, Side.REQUEST, explains)


def empty(p: Probe) -> Finding | None:
    if p.value.strip().strip(fam.QUOTES).strip():
        return None
    return finding_for(p, "empty_key", hint.fill(hint.EMPTY_KEY, p.ctx))


def label_as_scheme(p: Probe) -> Finding | None:
    """`Authorization: apiKey: sk-...` or `Authorization: Authorization: Bearer sk-...`."""
    scheme = p.ctx.scheme or ""
    if p.ctx.location != AUTHORIZATION or scheme[-1:] not in (":", "="):
        return None
    if scheme[:-1].lower() in SCHEME_WORDS:
        return None  # `Bearer:` is a misspelt scheme (wrong_auth_scheme), not a label
    return finding_for(p, "label_in_key", hint.fill(hint.LABEL_IN_KEY, p.ctx))


def duplicated_bearer(p: Probe) -> Finding | None:
    if not _BEARER_WORD.match(p.value):
        return None
    if p.ctx.bearer_slot:
        return finding_for(p, "duplicated_bearer", hint.fill(hint.DUPLICATED_BEARER, p.ctx))
    return finding_for(p, "label_in_key", hint.fill(hint.LABEL_IN_KEY, p.ctx))


def url(p: Probe) -> Finding | None:
    return (
        finding_for(p, "url_as_key", hint.fill(hint.URL_AS_KEY, p.ctx))
        if fam.is_url(p.value)
        else None
    )


def label(p: Probe) -> Finding | None:
    return (
        finding_for(p, "label_in_key", hint.fill(hint.LABEL_IN_KEY, p.ctx))
        if fam.has_label(p.value)
        else None
    )


def secret_reference(p: Probe) -> Finding | None:
    """`@Microsoft.KeyVault(...)`, `op://...`: before URLs, which some of them hold."""
    if manager := fam.secret_manager(p.value):
        return finding_for(
            p, "unexpanded_variable", hint.fill(hint.UNRESOLVED_REFERENCE, p.ctx, manager=manager)
        )
    return None


def unexpanded(p: Probe) -> Finding | None:
    reference = fam.unexpanded_reference(p.value)
    if reference is None:
        return None
    if inner_key(p.value) is not None:  # `${sk-...}`: a template's braces around a real key
        return finding_for(p, "unexpanded_variable", hint.fill(hint.TEMPLATED_KEY, p.ctx))
    text = hint.unexpanded_variable(p.ctx, fam.variable_in(reference))
    return finding_for(p, "unexpanded_variable", text)


def placeholder(p: Probe) -> Finding | None:
    kind = p.kind
    if kind is not None and kind.name == _WORKLOAD_PLACEHOLDER:
        return finding_for(p, "placeholder_key", hint.fill(hint.WORKLOAD_PLACEHOLDER, p.ctx))
    if p.shape is Shape.DEGENERATE:
        return finding_for(p, "placeholder_key", hint.placeholder_key(p.ctx))
    if kind is not None and p.shape is None:
        # An exact shape with a filler body (`baba` + 28 `a`s fits Azure's 32 hex).
        body = p.value[len(kind.prefix) :]
        return (
            finding_for(p, "placeholder_key", hint.placeholder_key(p.ctx))
            if written_body(body)
            else None
        )
    if p.shape is not None or _holds_valid_key(p.value):
        return None  # key material: a cut, a relay's, or a real key inside quotes or spaces
    if fam.is_placeholder(p.value):
        return finding_for(p, "placeholder_key", hint.placeholder_key(p.ctx))
    return None


def pasted_twice(p: Probe) -> Finding | None:
    if p.shape is not Shape.DOUBLED and not doubled(p.value):
        return None
    return finding_for(p, "malformed_key", hint.fill(hint.PASTED_TWICE, p.ctx))


def _holds_valid_key(value: str) -> bool:
    return any(openai_shape(m.group(0)) is Shape.VALID for m in _EMBEDDED_SK.finditer(value))


def masked(p: Probe) -> Finding | None:
    return (
        finding_for(p, "masked_key", hint.fill(hint.MASKED_KEY, p.ctx))
        if fam.is_masked(p.value)
        else None
    )


def quoted(p: Probe) -> Finding | None:
    # `<sk-...>`: a real key left inside the angle brackets of a `<your key>` template.
    bracketed = p.value.startswith("<") and p.value.endswith(">") and inner_key(p.value)
    if not fam.is_quoted(p.value) and not bracketed:
        return None
    return finding_for(p, "quoted_key", hint.fill(hint.QUOTED_KEY, p.ctx))


def whitespace(p: Probe) -> Finding | None:
    if not fam.has_whitespace(p.value) or fam.looks_like_prose(p.value):
        return None  # a pasted sentence is not "a key with a space in it"
    return finding_for(p, "whitespace_in_key", hint.fill(hint.WHITESPACE_IN_KEY, p.ctx))


def non_ascii(p: Probe) -> Finding | None:
    if not fam.has_non_ascii(p.value):
        return None
    return finding_for(p, "non_ascii_key", hint.fill(hint.NON_ASCII_KEY, p.ctx))


def session(p: Probe) -> Finding | None:
    if kind_prefix(p.value) != _SESSION.prefix and p.kind is not _SESSION:
        return None
    return finding_for(p, "session_key", hint.fill(hint.SESSION_KEY, p.ctx))


def other_provider(p: Probe) -> Finding | None:
    if p.fingerprint:
        return None
    if p.ctx.expected is None:
        return None
    owner = p.owner
    if owner is None or owner == p.ctx.expected:
        return None
    kind = p.kind
    if kind is not None and p.ctx.expected in kind.providers:
        return None  # a shape two providers share (DeepSeek's and DashScope's `sk-` + hex)
    text = hint.other_provider_key(p.ctx, owner, token=_is_jwt(p.value))
    return finding_for(p, "other_provider_key", text)


def wrong_header(p: Probe) -> Finding | None:
    ctx = p.ctx
    if ctx.is_azure:
        jwt = not p.fingerprint and _is_jwt(p.value)
        if ctx.azure_key_slot and jwt:
            return finding_for(
                p, "key_in_wrong_header", hint.key_in_wrong_header(ctx, token_in_key_slot=True)
            )
        if ctx.bearer_slot and not p.fingerprint and p.owner == AZURE and not jwt:
            return finding_for(p, "key_in_wrong_header", hint.key_in_wrong_header(ctx))
        elsewhere = ctx.location in KEY_HEADERS or ctx.location.startswith("query:")
        if elsewhere and ctx.location not in AZURE_KEY_PLACES:
            return finding_for(p, "key_in_wrong_header", hint.key_in_wrong_header(ctx))
        return None
    misplaced = ctx.env_variable is None and ctx.location not in _BEARER_PLACES
    if misplaced and (ctx.provider == OPENAI or ctx.expected not in (None, "anthropic")):
        return finding_for(p, "key_in_wrong_header", hint.key_in_wrong_header(ctx))
    return None


def wrong_scheme(p: Probe) -> Finding | None:
    ctx = p.ctx
    if ctx.location != AUTHORIZATION:
        return None
    if (ctx.scheme or "").lower() == "bearer":
        # RFC 9110: one or more SP after the scheme; a tab or a non-ASCII space is refused.
        if ctx.separator.strip(" ") == "":
            return None
        return finding_for(p, "wrong_auth_scheme", hint.odd_separator(ctx))
    return finding_for(p, "wrong_auth_scheme", hint.wrong_auth_scheme(ctx))


def admin_variable(p: Probe) -> Finding | None:
    name = p.ctx.env_variable
    return classify_admin_variable(p.value, name) if name and not p.fingerprint else None


def _is_jwt(value: str) -> bool:
    kind = key_kind(value)
    return kind is not None and kind.name == _JWT_KIND


def truncated(p: Probe) -> Finding | None:
    if p.shape is not Shape.TRUNCATED or p.ctx.is_azure:
        return None
    relay_length = len(p.value) - len(_LEGACY_PREFIX) >= _COMPATIBLE_MIN_BODY
    if p.ctx.provider == COMPATIBLE and relay_length and not p.value.startswith(_SCOPED):
        return None  # a relay's or local server's own shorter `sk-` key
    return finding_for(p, "truncated_key", hint.fill(hint.TRUNCATED_KEY, p.ctx))


def malformed(p: Probe) -> Finding | None:
    ctx, value = p.ctx, p.value
    if ctx.is_azure:
        fits = p.owner == AZURE if ctx.azure_key_slot else _is_jwt(value)
        return None if fits else finding_for(p, "malformed_key", hint.malformed_key(ctx))
    if ctx.provider != OPENAI or p.shape in (Shape.TRUNCATED, *_NOT_OPENAI):
        return None  # other hosts take keys of any shape
    kind = p.kind
    if kind is not None and kind.provider in (OPENAI, _JWT_KIND):
        return None  # ephemeral Realtime secrets; JWTs from workload identity
    text = hint.malformed_key(ctx, prose=fam.looks_like_prose(value))
    return finding_for(p, "malformed_key", text)
