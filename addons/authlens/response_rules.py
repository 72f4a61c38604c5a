"""Response-side rules: what the upstream said. Each returns a Finding or None.

They read the parsed reply (and the key's history); `rules.GENERIC_CAUSES` lists the answers
a request-side finding outranks.
"""

from __future__ import annotations

from authlens.evidence import Evidence
from authlens.exchange import Finding, Side
from authlens.hints import quote_snippet, utc_clock


def _response(cause: str, hint: str) -> Finding:
    return Finding(cause, hint, Side.RESPONSE)


def _worked_with(ev: Evidence, what: str) -> str:
    """' It worked with org-x at 10:42 UTC.' when history knows, else ''."""
    if ev.seen is None:
        return ""
    value = ev.seen.organization if what == "organization" else ev.seen.project
    if not value:
        return ""
    return f" This key worked with {what} {value} at {utc_clock(ev.seen.last_ok)}."


def organization_mismatch(ev: Evidence) -> Finding | None:
    """The key does not belong to the OpenAI-Organization sent."""
    if ev.reply is None or ev.reply.code != "mismatched_organization":
        return None
    return _response(
        "organization_mismatch",
        "The key does not belong to the organization in the OpenAI-Organization header: fix or "
        "unset OPENAI_ORG_ID (ids are at https://platform.openai.com/settings/organization/general)."
        + _worked_with(ev, "organization"),
    )


def project_mismatch(ev: Evidence) -> Finding | None:
    """The key does not belong to the OpenAI-Project sent."""
    if ev.reply is None or ev.reply.code != "mismatched_project":
        return None
    return _response(
        "project_mismatch",
        "The key does not belong to the project in the OpenAI-Project header: fix or unset "
        "OPENAI_PROJECT_ID (a proj_ id, not the project name)." + _worked_with(ev, "project"),
    )


def invalid_api_key(ev: Evidence) -> Finding | None:
    """A key the upstream rejects as incorrect."""
    if ev.reply is None or ev.reply.code != "invalid_api_key":
        return None
    return _response(
        "invalid_api_key",
        f"The upstream rejected the key {ev.key or ''}: it was deleted, rotated or belongs to "
        "another account; compare the fingerprint's last 4 at https://platform.openai.com/api-keys.",
    )


def unknown_401(ev: Evidence) -> Finding | None:
    """Any other 401."""
    if ev.status != 401:
        return None
    said = quote_snippet(ev.reply.message, 100) if ev.reply and ev.reply.message else ""
    detail = f" (it said: {said})" if said else ""
    return _response(
        "unknown_401",
        f"The upstream answered 401 for an unrecognised reason{detail}; check the key "
        "(OPENAI_API_KEY) and the OpenAI-Organization / OpenAI-Project headers.",
    )
