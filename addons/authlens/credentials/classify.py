"""The one classifier of credentials and org/project ids, shared by the proxy, `explain` and
`check`.

`classify_key_value(value, provider=..., location=...)` runs `KEY_CHECKS` in order, most
specific first (contract section 7): a key in smart quotes is `quoted_key`, not
`non_ascii_key`; a `${VAR}` in quotes is `unexpanded_variable`, not `quoted_key`. A value is
judged on its shape (`keys.openai_shape`, `shape.human_text`, the registry's kinds) before
any word. A value of any known OpenAI format is never flagged by the value families; only
where it was sent can be wrong. Values that are authlens fingerprints (scrubbed flow files)
are never classified. Recent findings are kept by the value's SHA-256, never the value.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from authlens.credentials import key_families as fam
from authlens.credentials import key_hints as hint
from authlens.credentials.admin_keys import classify_admin_use, classify_admin_variable
from authlens.credentials.credential import SCHEME_WORDS, SentCredential
from authlens.credentials.id_headers import classify_organization, classify_project
from authlens.credentials.key_context import (
    AUTHORIZATION,
    AZURE_KEY_PLACES,
    KeyContext,
    make_context,
)
from authlens.credentials.keys import (
    OPENAI_SK_PREFIXES,
    Shape,
    is_fingerprint,
    key_kind,
    openai_shape,
)
from authlens.credentials.provider_keys import key_owner
from authlens.credentials.unwrap import doubled, inner_key
from authlens.exchange import Finding, Side
from authlens.providers import AZURE, COMPATIBLE, OPENAI
from authlens.registry import KEY_HEADERS, KeyKind, kind_by_name, kind_prefix

# Longer values are not keys of any provider; only their start is examined (bounded work).
MAX_EXAMINED = 1024
_AZURE_UPSTREAM_CODES = frozenset({"azure_invalid_key", "azure_token_invalid"})
_BEARER_WORD = re.compile(r"(?i)bearer(?:\s{1,8}|$)")
# Where OpenAI takes a key: the header, or a browser websocket's subprotocol (Realtime API).
_BEARER_PLACES = frozenset({AUTHORIZATION, "websocket-protocol"})
_JWT_KIND = "jwt"
_RECENT: dict[tuple[bytes, str | None, str, str | None, str, str], Finding | None] = {}
_RECENT_SIZE = 256
_COMPATIBLE_MIN_BODY = 16  # relays and local servers mint short `sk-` keys too
_LEGACY_PREFIX = OPENAI_SK_PREFIXES[-1]  # the bare `sk-`
_SCOPED = OPENAI_SK_PREFIXES[:-1]
_EMBEDDED_SK = re.compile(re.escape(_LEGACY_PREFIX) + r"[A-Za-z0-9_-]{20,1000}")
_WORKLOAD_PLACEHOLDER = "openai_workload_placeholder"
_SESSION = kind_by_name("chatgpt_session")
# Shapes that fit no OpenAI layout although they start like one: the rules below say why.
_NOT_OPENAI = frozenset({Shape.FOREIGN, Shape.RELAY})
_REDACTED = re.compile(r"\[REDACTED[^\]]{0,40}\]")


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


def _finding(probe: Probe, cause: str, text: str) -> Finding:
    # On Azure, a wrong key or token is all its 401s can say; the request side knows why.
    explains = _AZURE_UPSTREAM_CODES if probe.ctx.is_azure else frozenset[str]()
    return Finding(cause, text, Side.REQUEST, explains)


def _empty(p: Probe) -> Finding | None:
    if p.value.strip().strip(fam.QUOTES).strip():
        return None
    return _finding(p, "empty_key", hint.empty_key(p.ctx))


def _label_as_scheme(p: Probe) -> Finding | None:
    """`Authorization: apiKey: sk-...` or `Authorization: Authorization: Bearer sk-...`."""
    scheme = p.ctx.scheme or ""
    if p.ctx.location != AUTHORIZATION or scheme[-1:] not in (":", "="):
        return None
    if scheme[:-1].lower() in SCHEME_WORDS:
        return None  # `Bearer:` is a misspelt scheme (wrong_auth_scheme), not a label
    return _finding(p, "label_in_key", hint.label_in_key(p.ctx))


def _duplicated_bearer(p: Probe) -> Finding | None:
    if not _BEARER_WORD.match(p.value):
        return None
    if p.ctx.bearer_slot:
        return _finding(p, "duplicated_bearer", hint.duplicated_bearer(p.ctx))
    return _finding(p, "label_in_key", hint.label_in_key(p.ctx))


def _url(p: Probe) -> Finding | None:
    return _finding(p, "url_as_key", hint.url_as_key(p.ctx)) if fam.is_url(p.value) else None


def _label(p: Probe) -> Finding | None:
    return _finding(p, "label_in_key", hint.label_in_key(p.ctx)) if fam.has_label(p.value) else None


def _secret_reference(p: Probe) -> Finding | None:
    """`@Microsoft.KeyVault(...)`, `op://...`: before URLs, which some of them hold."""
    if manager := fam.secret_manager(p.value):
        return _finding(p, "unexpanded_variable", hint.unresolved_secret(p.ctx, manager))
    return None


def _unexpanded(p: Probe) -> Finding | None:
    reference = fam.unexpanded_reference(p.value)
    if reference is None:
        return None
    text = hint.unexpanded_variable(p.ctx, fam.variable_in(reference))
    return _finding(p, "unexpanded_variable", text)


def _placeholder(p: Probe) -> Finding | None:
    kind = p.kind
    if kind is not None and kind.name == _WORKLOAD_PLACEHOLDER:
        return _finding(p, "placeholder_key", hint.workload_placeholder(p.ctx))
    if p.shape is Shape.DEGENERATE:
        return _finding(p, "placeholder_key", hint.placeholder_key(p.ctx))
    if p.shape is not None or kind is not None or _holds_valid_key(p.value):
        return None  # key material: a cut, a relay's, or a real key inside quotes or spaces
    if fam.is_placeholder(p.value):
        return _finding(p, "placeholder_key", hint.placeholder_key(p.ctx))
    return None


def _pasted_twice(p: Probe) -> Finding | None:
    if p.shape is not Shape.DOUBLED and not doubled(p.value):
        return None
    return _finding(p, "malformed_key", hint.pasted_twice(p.ctx))


def _holds_valid_key(value: str) -> bool:
    return any(openai_shape(m.group(0)) is Shape.VALID for m in _EMBEDDED_SK.finditer(value))


def _masked(p: Probe) -> Finding | None:
    return _finding(p, "masked_key", hint.masked_key(p.ctx)) if fam.is_masked(p.value) else None


def _quoted(p: Probe) -> Finding | None:
    # `<sk-...>`: a real key left inside the angle brackets of a `<your key>` template.
    bracketed = p.value.startswith("<") and p.value.endswith(">") and inner_key(p.value)
    if not fam.is_quoted(p.value) and not bracketed:
        return None
    return _finding(p, "quoted_key", hint.quoted_key(p.ctx))


def _whitespace(p: Probe) -> Finding | None:
    if not fam.has_whitespace(p.value) or fam.looks_like_prose(p.value):
        return None  # a pasted sentence is not "a key with a space in it"
    return _finding(p, "whitespace_in_key", hint.whitespace_in_key(p.ctx))


def _non_ascii(p: Probe) -> Finding | None:
    if not fam.has_non_ascii(p.value):
        return None
    return _finding(p, "non_ascii_key", hint.non_ascii_key(p.ctx))


def _session(p: Probe) -> Finding | None:
    if kind_prefix(p.value) != _SESSION.prefix and p.kind is not _SESSION:
        return None
    return _finding(p, "session_key", hint.session_key(p.ctx))


def _other_provider(p: Probe) -> Finding | None:
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
    return _finding(p, "other_provider_key", text)


def _wrong_header(p: Probe) -> Finding | None:
    ctx = p.ctx
    if ctx.is_azure:
        jwt = not p.fingerprint and _is_jwt(p.value)
        if ctx.azure_key_slot and jwt:
            return _finding(
                p, "key_in_wrong_header", hint.key_in_wrong_header(ctx, token_in_key_slot=True)
            )
        if ctx.bearer_slot and not p.fingerprint and p.owner == AZURE:
            return _finding(p, "key_in_wrong_header", hint.key_in_wrong_header(ctx))
        elsewhere = ctx.location in KEY_HEADERS or ctx.location.startswith("query:")
        if elsewhere and ctx.location not in AZURE_KEY_PLACES:
            return _finding(p, "key_in_wrong_header", hint.key_in_wrong_header(ctx))
        return None
    misplaced = ctx.env_variable is None and ctx.location not in _BEARER_PLACES
    if misplaced and (ctx.provider == OPENAI or ctx.expected not in (None, "anthropic")):
        return _finding(p, "key_in_wrong_header", hint.key_in_wrong_header(ctx))
    return None


def _wrong_scheme(p: Probe) -> Finding | None:
    ctx = p.ctx
    if ctx.location != AUTHORIZATION:
        return None
    if (ctx.scheme or "").lower() == "bearer":
        # RFC 9110: one or more SP after the scheme; a tab or a non-ASCII space is refused.
        if ctx.separator.strip(" ") == "":
            return None
        return _finding(p, "wrong_auth_scheme", hint.odd_separator(ctx))
    return _finding(p, "wrong_auth_scheme", hint.wrong_auth_scheme(ctx))


def _admin_variable(p: Probe) -> Finding | None:
    name = p.ctx.env_variable
    return classify_admin_variable(p.value, name) if name and not p.fingerprint else None


def _is_jwt(value: str) -> bool:
    kind = key_kind(value)
    return kind is not None and kind.name == _JWT_KIND


def _truncated(p: Probe) -> Finding | None:
    if p.shape is not Shape.TRUNCATED or p.ctx.is_azure:
        return None
    relay_length = len(p.value) - len(_LEGACY_PREFIX) >= _COMPATIBLE_MIN_BODY
    if p.ctx.provider == COMPATIBLE and relay_length and not p.value.startswith(_SCOPED):
        return None  # a relay's or local server's own shorter `sk-` key
    return _finding(p, "truncated_key", hint.truncated_key(p.ctx))


def _malformed(p: Probe) -> Finding | None:
    ctx, value = p.ctx, p.value
    if ctx.is_azure:
        fits = p.owner == AZURE if ctx.azure_key_slot else _is_jwt(value)
        return None if fits else _finding(p, "malformed_key", hint.malformed_key(ctx))
    if ctx.provider != OPENAI or p.shape in (Shape.TRUNCATED, *_NOT_OPENAI):
        return None  # other hosts take keys of any shape
    kind = p.kind
    if kind is not None and kind.provider in (OPENAI, _JWT_KIND):
        return None  # ephemeral Realtime secrets; JWTs from workload identity
    text = hint.malformed_key(ctx, prose=fam.looks_like_prose(value))
    return _finding(p, "malformed_key", text)


# (check, also runs for a valid-shaped key or a fingerprint)
KEY_CHECKS: tuple[tuple[Check, bool], ...] = (
    (_empty, False),
    (_label_as_scheme, True),
    (_duplicated_bearer, False),
    (_secret_reference, False),
    (_url, False),
    (_label, False),
    (_unexpanded, False),
    (_placeholder, False),
    (_pasted_twice, False),
    (_masked, False),
    (_quoted, False),
    (_whitespace, False),
    (_non_ascii, False),
    (_session, False),
    (_other_provider, True),
    (_wrong_header, True),
    (_wrong_scheme, True),
    (_admin_variable, True),
    (_truncated, False),
    (_malformed, False),
)


def classify_key_value(
    value: str,
    *,
    provider: str | None = None,
    location: str = AUTHORIZATION,
    scheme: str | None = "Bearer",
    host: str = "",
    separator: str = " ",
) -> Finding | None:
    """The request-side finding for one credential value, or None when it looks right.

    `location`: "authorization", "api-key", "x-api-key", "query:<name>" or "env:<VARIABLE>"
    (for `authlens check`); `scheme` applies to "authorization" only. `provider` ("openai",
    "azure", "compatible") defaults from `host`, else from the variable's name. `host` also
    names the provider for other-provider hints (api.groq.com expects a Groq key).
    """
    value = value[:MAX_EXAMINED]
    scheme = scheme if location == AUTHORIZATION else None
    # Keyed by the value's SHA-256, never the value: the same key is sent the same way on
    # every request, and a cache must not hold secrets (findings never carry the value).
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()
    key = (digest, provider, location, scheme, host, separator)
    if key in _RECENT:
        return _RECENT[key]
    ctx = make_context(
        provider=provider, location=location, scheme=scheme, host=host, separator=separator
    )
    found = _classify(value, ctx)
    if len(_RECENT) >= _RECENT_SIZE:
        _RECENT.pop(next(iter(_RECENT)), None)
    _RECENT[key] = found
    return found


def _classify(value: str, ctx: KeyContext) -> Finding | None:
    fingerprint = is_fingerprint(value) or _REDACTED.fullmatch(value.strip()) is not None
    shape = None if fingerprint else openai_shape(value)
    probe = Probe(value, ctx, shape, fingerprint, None if fingerprint else key_kind(value))
    for check, for_valid in KEY_CHECKS:
        if probe.valid and not for_valid:
            continue
        if (finding := check(probe)) is not None:
            return finding
    return None


def classify_credential(
    credential: SentCredential, *, provider: str, host: str = ""
) -> Finding | None:
    """`classify_key_value` for a credential found in a request."""
    return classify_key_value(
        credential.token,
        provider=provider,
        location=credential.location,
        scheme=credential.scheme,
        host=host,
        separator=credential.separator or " ",
    )


__all__ = [
    "KEY_CHECKS",
    "classify_admin_use",
    "classify_credential",
    "classify_key_value",
    "classify_organization",
    "classify_project",
]
