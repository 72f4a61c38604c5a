"""Classify `OpenAI-Organization` and `OpenAI-Project` values (or OPENAI_ORG_ID and
OPENAI_PROJECT_ID before they become headers).

An organization id is `org-` + alphanumerics, a project id `proj_` + alphanumerics. Anything
else (empty, the display name `Personal`, a project name, a key pasted into the wrong variable)
makes the upstream answer with a mismatch or "No such organization". A bad organization is
`organization_invalid`. The contract has no request-side project code: a project value that is
not a project id can never match the key's project, so it is reported as `project_mismatch`
from the request side, which outranks the upstream's vaguer answers and explains its
`mismatched_project` with the exact fix. Hints never echo the value.
"""

from __future__ import annotations

import re

from authlens.credentials import key_families as fam
from authlens.credentials.keys import is_fingerprint, key_kind
from authlens.exchange import Finding, Side
from authlens.registry import kind_prefix

ORGANIZATION_PAGE = "https://platform.openai.com/settings/organization/general"
PROJECTS_PAGE = "https://platform.openai.com/settings/organization/projects"
_ORG_ID = re.compile(r"org-[A-Za-z0-9]{8,64}")
_PROJECT_ID = re.compile(r"proj_[A-Za-z0-9]{8,64}")
_USER_ID = re.compile(r"user-[A-Za-z0-9]{8,64}")
_ORG_EXPLAINS = frozenset({"organization_mismatch", "organization_invalid"})
_PROJECT_EXPLAINS = frozenset({"project_mismatch"})
_MAX_EXAMINED = 512
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0"


def _what_is_wrong(value: str, own_id: re.Pattern[str]) -> str | None:
    """Why `value` is not an id of `own_id`'s kind, as a hint clause; None if it is one."""
    if is_fingerprint(value):
        return None
    if own_id.fullmatch(value):
        suffix = value.partition("-" if value.startswith("org-") else "_")[2]
        return "is a placeholder or null-like value" if len(set(suffix)) <= 2 else None
    core = value.strip().strip(fam.QUOTES + _INVISIBLE).strip()
    if not core:
        return "is sent empty"
    if fam.unexpanded_reference(value):
        return "is the literal text of a variable reference, never expanded"
    if fam.is_sample_text(value):
        return "is a placeholder or null-like value"
    if kind_prefix(value) or key_kind(value) is not None:
        return "holds an API key or token, not an id (move it to OPENAI_API_KEY)"
    if own_id.fullmatch(core):
        return "has quotes, spaces or invisible characters around the id"
    if own_id is _ORG_ID and _PROJECT_ID.fullmatch(core):
        return "holds a project id (proj_...): it belongs in OPENAI_PROJECT_ID"
    if own_id is _PROJECT_ID and _ORG_ID.fullmatch(core):
        return "holds an organization id (org-...): it belongs in OPENAI_ORG_ID"
    if _USER_ID.fullmatch(core):
        return "holds a user id (user-...), not an organization id"
    return "holds a name or other text, not an id"


def _subject(location: str, header: str) -> str:
    if location.startswith("env:"):
        return location[4:]
    return f"The {header} header"


def classify_organization(value: str, *, location: str = "header") -> Finding | None:
    """`organization_invalid` when the value is not an `org-...` id; None otherwise.

    `location` is "header" (OpenAI-Organization) or "env:<VARIABLE>" (OPENAI_ORG_ID, ...).
    """
    problem = _what_is_wrong(value[:_MAX_EXAMINED], _ORG_ID)
    if problem is None:
        return None
    text = (
        f"{_subject(location, 'OpenAI-Organization')} {problem}: set OPENAI_ORG_ID to the "
        f"org-... id from {ORGANIZATION_PAGE}, or unset it to use the key's default "
        "organization."
    )
    return Finding("organization_invalid", text, Side.REQUEST, _ORG_EXPLAINS)


def classify_project(value: str, *, location: str = "header") -> Finding | None:
    """`project_mismatch` (request side) when the value is not a `proj_...` id; None otherwise.

    `location` is "header" (OpenAI-Project) or "env:<VARIABLE>" (OPENAI_PROJECT_ID).
    """
    problem = _what_is_wrong(value[:_MAX_EXAMINED], _PROJECT_ID)
    if problem is None:
        return None
    text = (
        f"{_subject(location, 'OpenAI-Project')} {problem}: set OPENAI_PROJECT_ID to the "
        f"proj_... id (not the project name) from {PROJECTS_PAGE}, or unset it; a project "
        "key already names its project."
    )
    return Finding("project_mismatch", text, Side.REQUEST, _PROJECT_EXPLAINS)
