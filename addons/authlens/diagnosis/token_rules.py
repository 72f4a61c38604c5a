"""Short-lived credentials: workload identity token exchange and Entra ID tokens.

Both are JWTs whose claims (issuer, audience, subject, expiry) say which part is wrong; the
rules read them through `jwt_claims` and never quote the token. The upstream's `Date` header
tells a token that expired from a clock that is off.
"""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl

from authlens.diagnosis.evidence import Evidence
from authlens.diagnosis.findings import finding
from authlens.diagnosis.hints import quote_snippet
from authlens.diagnosis.jwt_claims import Claims, jwt_claims
from authlens.diagnosis.upstream import load_json
from authlens.exchange import Exchange, Finding

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105  # RFC 8693
_MAX_FORM = 1 << 16
_SKEW_WORTH_SAYING = 30  # seconds
# "subject" as the claim (sub), not "subject token" / "subject_token" (the whole token).
_SUBJECT_CLAIM = re.compile(r"\bsub(?:ject)?\b(?![ _-]?token)")


def upstream_clock(exchange: Exchange) -> float | None:
    """The upstream's time from its `Date` header, or None."""
    value = exchange.response_headers.get("date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def clock_note(exchange: Exchange) -> str:
    """' This machine's clock is N s ahead of the upstream's.' when they differ notably."""
    clock = upstream_clock(exchange)
    if clock is None:
        return ""
    skew = round(exchange.ended - clock)
    if abs(skew) < _SKEW_WORTH_SAYING:
        return ""
    direction = "ahead of" if skew > 0 else "behind"
    return f" This machine's clock is {abs(skew)} s {direction} the upstream's: sync it (NTP)."


def _utc(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))


def timing_problem(claims: Claims, exchange: Exchange) -> str | None:
    """'it expired at T (N s before the request)' or a not-yet-valid token, else None."""
    now = upstream_clock(exchange) or exchange.ended
    if (expired := claims.expired_at(now)) is not None:
        ago = round(now - expired)
        return f"it expired at {_utc(expired)} ({ago} s before the request)"
    if claims.not_yet_valid(now):
        start = claims.not_before if claims.not_before is not None else claims.issued
        assert start is not None
        return f"it is not valid before {_utc(start)}: the client's clock runs behind"
    return None


def describe(claims: Claims) -> str:
    """'iss X, aud Y, sub Z' with the claims that are known."""
    parts = []
    if claims.issuer:
        parts.append(f"iss {claims.issuer}")
    if claims.audiences:
        parts.append(f"aud {' '.join(claims.audiences)}")
    if claims.subject:
        parts.append(f"sub {claims.subject}")
    if claims.tenant:
        parts.append(f"tid {claims.tenant}")
    return ", ".join(parts) or "no iss, aud or sub claims"


def _form(exchange: Exchange) -> dict[str, str]:
    body = exchange.request_body
    if not body or len(body) > _MAX_FORM:
        return {}
    try:
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    except ValueError:
        return {}


def _oauth_error(exchange: Exchange) -> tuple[str, str]:
    """(error, error_description) of an OAuth error body (RFC 6749 section 5.2)."""
    data = load_json(exchange.response_body)
    if not isinstance(data, dict):
        return "", ""
    error = data.get("error")
    if isinstance(error, dict):  # an OpenAI-shaped envelope around the same fields
        return str(error.get("code") or error.get("type") or ""), str(error.get("message") or "")
    description = data.get("error_description")
    return str(error or ""), str(description or "")


def is_token_request(exchange: Exchange) -> bool:
    """An OAuth token endpoint request: it authenticates by its form, not by a key header."""
    path = exchange.path.partition("?")[0]
    return path.endswith("/token") and "grant_type" in _form(exchange)


def token_exchange_failed(ev: Evidence) -> Finding | None:
    """The workload identity token exchange (RFC 8693) was refused: which claim is wrong."""
    ex = ev.exchange
    if ex.status is None or ex.status < 400 or not ex.path.partition("?")[0].endswith("/token"):
        return None
    form = _form(ex)
    if form.get("grant_type") != TOKEN_EXCHANGE_GRANT:
        return None
    error, description = _oauth_error(ex)
    said = quote_snippet(" ".join(p for p in (error, description) if p), 100, ev.secrets)
    answer = f" ({said})" if said else ""
    claims = jwt_claims(form.get("subject_token", ""))
    if claims is None:
        hint = (
            f"The token-exchange request was refused{answer}: the subject_token is not a JWT; pass "
            "the identity provider's ID token (e.g. the Kubernetes projected service account "
            "token, the GitHub Actions OIDC token), not a file path or an access token."
        )
        return finding("token_exchange_failed", hint)
    lowered = f"{error} {description}".lower()
    if (timing := timing_problem(claims, ex)) is not None:
        problem = f"the subject token is the problem: {timing}; fetch a fresh one per exchange"
    elif "audience" in lowered or "aud" in lowered.split():
        shown = " ".join(claims.audiences) or "missing"
        problem = (
            f"its audience (aud {shown}) is not the one the OpenAI workload identity provider "
            "expects: request the token for that audience"
        )
    elif "issuer" in lowered or "iss" in lowered.split():
        problem = (
            f"its issuer ({claims.issuer or 'missing'}) is not the identity provider registered "
            "with OpenAI: register that issuer or use its token"
        )
    elif _SUBJECT_CLAIM.search(lowered):
        problem = (
            f"its subject ({claims.subject or 'missing'}) has no mapping to a service account: "
            "add one for it in OpenAI's workload identity settings"
        )
    else:
        problem = (
            f"compare the subject token's claims ({describe(claims)}) with the identity "
            "provider, audience and subject mapping configured in OpenAI"
        )
    return finding(
        "token_exchange_failed",
        f"The token-exchange request to {ex.host} was refused{answer}: {problem}.{clock_note(ex)}",
    )
