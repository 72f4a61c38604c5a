"""Response-side rules about the organization, project, account and permissions.

What the upstream says about who the key belongs to and what it may do: these name what the
request alone cannot show, so they win over request-side findings unless one `explains`
them (contract section 7). Each returns a Finding or None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from authlens.diagnosis.evidence import Evidence
from authlens.diagnosis.findings import (
    API_KEYS_PAGE,
    ORG_PAGE,
    finding,
    may_say,
    said,
    worked_with,
)
from authlens.diagnosis.hints import quote_snippet, safe_label
from authlens.exchange import Finding

_SCOPES = re.compile(r"Missing scopes?: ?([\w.:-]+(?:, ?[\w.:-]+){0,9})")
_IP_BLOCKED = re.compile(r"\bIP\b.{0,40}\b(?:not authorized|not allowed|allowlist|whitelist)", re.I)


@dataclass(frozen=True, slots=True)
class _HeaderAnswer:
    """An upstream answer about the OpenAI-Organization or OpenAI-Project value sent."""

    cause: str
    header: str  # "organization" or "project": which value was sent, and which history
    needle: str  # in the upstream's message, lower case
    code: str  # or the upstream's error code
    hint: str  # `{sent}`: the value sent (`shown`), when it is safe to repeat
    shown: str = " ({})"


_ORGANIZATION_MISMATCH = _HeaderAnswer(
    "organization_mismatch",
    "organization",
    "openai-organization header should match",
    "mismatched_organization",
    "The key does not belong to the organization in OpenAI-Organization{sent}: set "
    f"OPENAI_ORG_ID to the key's org id (see {ORG_PAGE}) or unset it.",
)
_PROJECT_MISMATCH = _HeaderAnswer(
    "project_mismatch",
    "project",
    "openai-project header should match",
    "mismatched_project",
    "The key does not belong to the project in OpenAI-Project{sent}: set OPENAI_PROJECT_ID "
    "to the key's proj_ id (Settings > Project > General, not the project name) or unset it.",
)
_ORGANIZATION_INVALID = _HeaderAnswer(
    "organization_invalid",
    "organization",
    "no such organization",
    "invalid_organization",
    "OpenAI has no organization{sent} (OpenAI-Organization header, OPENAI_ORG_ID): use the "
    f"org-... id from {ORG_PAGE}, not the display name, or unset it.",
    shown=" '{}'",
)


def _header_answer(ev: Evidence, answer: _HeaderAnswer) -> Finding | None:
    """`answer`'s finding when the reply gives it: the value sent named, and its history."""
    if not said(ev.reply, answer.needle, codes=(answer.code,)):
        return None
    value = safe_label(ev.organization if answer.header == "organization" else ev.project)
    sent = answer.shown.format(value) if value else ""
    hint = answer.hint.format(sent=sent) + worked_with(ev, answer.header)
    return finding(answer.cause, hint)


def organization_mismatch(ev: Evidence) -> Finding | None:
    """The key does not belong to the OpenAI-Organization sent."""
    return _header_answer(ev, _ORGANIZATION_MISMATCH)


def project_mismatch(ev: Evidence) -> Finding | None:
    """The key does not belong to the OpenAI-Project sent."""
    return _header_answer(ev, _PROJECT_MISMATCH)


def organization_invalid(ev: Evidence) -> Finding | None:
    """The upstream knows no organization by the OpenAI-Organization sent."""
    return _header_answer(ev, _ORGANIZATION_INVALID)


def no_organization(ev: Evidence) -> Finding | None:
    """The key's account belongs to no organization."""
    if not said(ev.reply, "must be a member of an organization", codes=("no_organization",)):
        return None
    return finding(
        "no_organization",
        "The account that owns this key is in no organization (removed, or the org was "
        f"deleted): join or create one at {ORG_PAGE}, then create a new key there.",
    )


def account_deactivated(ev: Evidence) -> Finding | None:
    """The account behind the key is deactivated."""
    if not said(
        ev.reply, "deactivated account", "has been deactivated", codes=("account_deactivated",)
    ):
        return None
    return finding(
        "account_deactivated",
        "The OpenAI account that owns this key is deactivated: check that account's email from "
        "OpenAI and https://help.openai.com; a new key from the same account will not work.",
    )


def ip_not_allowed(ev: Evidence) -> Finding | None:
    """The caller's IP is not on the organization's or project's allowlist."""
    reply = ev.reply
    codes = ("ip_not_authorized", "ip_not_allowed", "ip_address_not_allowed")
    message = reply.message if reply is not None else ""
    blocked = may_say(message, "ip") and _IP_BLOCKED.search(message) is not None
    if reply is None or not (said(reply, codes=codes) or blocked):
        return None
    return finding(
        "ip_not_allowed",
        "Your egress IP is not on the IP allowlist: add it under Settings > Organization (or "
        "Project) > IP allowlist at https://platform.openai.com/settings, or call from an allowed "
        "network.",
    )


def session_key_required(ev: Evidence) -> Finding | None:
    """A browser-session-only endpoint was called with an API key."""
    needles = ("must be made with a session key", "please use a browser session")
    if not said(ev.reply, *needles, codes=("incorrect_key_type",)):
        return None
    path = quote_snippet(ev.exchange.path.partition("?")[0], 60, ev.secrets)
    return finding(
        "session_key_required",
        f"{path} only accepts a browser session, not an API key: use the dashboard, or the "
        "documented API (usage and keys: /v1/organization/... with an admin key).",
    )


def insufficient_permissions(ev: Evidence) -> Finding | None:
    """A restricted key, or the user's role, lacks scopes; the hint lists them."""
    reply = ev.reply
    if not said(reply, "insufficient permissions", "missing scopes"):
        return None
    assert reply is not None
    match = _SCOPES.search(reply.message)
    scopes = match.group(1).rstrip(".") if match else "unknown"
    return finding(
        "insufficient_permissions",
        f"The key or your role lacks scopes: {scopes}. Edit the restricted key's permissions at "
        f"{API_KEYS_PAGE}, or ask an Owner for a project role (Member/Owner) that has them.",
    )
