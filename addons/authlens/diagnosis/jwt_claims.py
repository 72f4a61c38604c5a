"""The non-secret claims of a JWT (an Entra token, a workload identity subject token).

A JWT's payload is base64url JSON anyone can read; only its signature proves anything. The
rules read `iss`, `aud`, `sub`, `tid`, `exp`, `nbf` and `iat` to say which one is wrong. The
token itself never leaves this module: `Claims` holds short, plain claim values only (an
odd or over-long value is dropped rather than quoted), and no signature is checked.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson

# Entra ID issues tokens from these hosts (v1 `sts.windows.net/<tenant>/`, v2
# `login.microsoftonline.com/<tenant>/v2.0`).
ENTRA_ISSUER_HOSTS = frozenset(
    {"sts.windows.net", "login.microsoftonline.com", "login.windows.net"}
)
_JWT = re.compile(r"[A-Za-z0-9_-]{4,8192}\.([A-Za-z0-9_-]{4,16384})\.[A-Za-z0-9_-]{0,8192}")
# Claim values we may repeat in a hint: URLs, GUIDs, names; never a long opaque run.
_SHOWN = re.compile(r"[A-Za-z0-9][A-Za-z0-9:/._@#=+-]{0,119}")
_OPAQUE_RUN = re.compile(r"[A-Za-z0-9_+=-]{33,}")


@dataclass(frozen=True, slots=True)
class Claims:
    """What a hint may say about a token: issuer, audiences, subject, tenant and times."""

    issuer: str | None
    audiences: tuple[str, ...]
    subject: str | None
    tenant: str | None
    expires: float | None  # epoch seconds
    not_before: float | None
    issued: float | None

    def expired_at(self, now: float, leeway: float = 0.0) -> float | None:
        """`exp` when it is in the past by more than `leeway` seconds at `now`, else None."""
        if self.expires is None or self.expires + leeway >= now:
            return None
        return self.expires

    @property
    def from_entra(self) -> bool:
        """Issued by Microsoft Entra ID."""
        return self.issuer is not None and urlsplit(self.issuer).hostname in ENTRA_ISSUER_HOSTS

    def not_yet_valid(self, now: float) -> bool:
        """`nbf` or `iat` is ahead of `now`: the client's clock runs behind the issuer's."""
        start = self.not_before if self.not_before is not None else self.issued
        return start is not None and start > now + 60


def shown(value: object) -> str | None:
    """A claim value as plain text short enough to quote, or None (odd, long or opaque)."""
    if not isinstance(value, str) or not _SHOWN.fullmatch(value) or _OPAQUE_RUN.search(value):
        return None
    return value


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def jwt_claims(token: str) -> Claims | None:
    """The claims of `token` if it is a JWT with a JSON object payload, else None."""
    match = _JWT.fullmatch(token.strip())
    if match is None:
        return None
    payload = match.group(1)
    try:
        data = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    raw_aud = data.get("aud")
    audiences = raw_aud if isinstance(raw_aud, list) else [raw_aud]
    return Claims(
        issuer=shown(data.get("iss")),
        audiences=tuple(a for a in (shown(x) for x in audiences) if a),
        subject=shown(data.get("sub")),
        tenant=shown(data.get("tid")),
        expires=_number(data.get("exp")),
        not_before=_number(data.get("nbf")),
        issued=_number(data.get("iat")),
    )
