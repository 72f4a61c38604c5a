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

from authlens.credentials import checks
from authlens.credentials.admin_keys import classify_admin_use
from authlens.credentials.credential import SentCredential
from authlens.credentials.id_headers import classify_organization, classify_project
from authlens.credentials.key_context import AUTHORIZATION, KeyContext, make_context
from authlens.credentials.keys import is_fingerprint, key_kind, openai_shape
from authlens.exchange import Finding

# Longer values are not keys of any provider; only their start is examined (bounded work).
MAX_EXAMINED = 1024
_RECENT: dict[tuple[bytes, str | None, str, str | None, str, str], Finding | None] = {}
_RECENT_SIZE = 256
_REDACTED = re.compile(r"\[REDACTED[^\]]{0,40}\]")


# (check, also runs for a valid-shaped key or a fingerprint)
KEY_CHECKS: tuple[tuple[checks.Check, bool], ...] = (
    (checks.empty, False),
    (checks.label_as_scheme, True),
    (checks.duplicated_bearer, False),
    (checks.secret_reference, False),
    (checks.url, False),
    (checks.label, False),
    (checks.unexpanded, False),
    (checks.placeholder, False),
    (checks.pasted_twice, False),
    (checks.masked, False),
    (checks.quoted, False),
    (checks.whitespace, False),
    (checks.non_ascii, False),
    (checks.session, False),
    (checks.other_provider, True),
    (checks.wrong_header, True),
    (checks.wrong_scheme, True),
    (checks.admin_variable, True),
    (checks.truncated, False),
    (checks.malformed, False),
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
    probe = checks.Probe(value, ctx, shape, fingerprint, None if fingerprint else key_kind(value))
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
