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
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class _IdHeader:
    """One of the two id headers: its id shape, and the finding a wrong value gets."""

    header: str
    own_id: re.Pattern[str]
    cause: str
    fix: str  # the hint after the place and what is wrong with its value
    explains: frozenset[str]


_ORGANIZATION = _IdHeader(
    "OpenAI-Organization",
    _ORG_ID,
    "organization_invalid",
    f"set OPENAI_ORG_ID to the org-... id from {ORGANIZATION_PAGE}, or unset it to use the "
    "key's default organization.",
    _ORG_EXPLAINS,
)
_PROJECT = _IdHeader(
    "OpenAI-Project",
    _PROJECT_ID,
    "project_mismatch",
    f"set OPENAI_PROJECT_ID to the proj_... id (not the project name) from {PROJECTS_PAGE}, "
    "or unset it; a project key already names its project.",
    _PROJECT_EXPLAINS,
)


def _classify_id(value: str, location: str, spec: _IdHeader) -> Finding | None:
    problem = _what_is_wrong(value[:_MAX_EXAMINED], spec.own_id)
    if problem is None:
        return None
    subject = location[4:] if location.startswith("env:") else f"The {spec.header} header"
    return Finding(spec.cause, f"{subject} {problem}: {spec.fix}", Side.REQUEST, spec.explains)


def classify_organization(value: str, *, location: str = "header") -> Finding | None:
    """`organization_invalid` when the value is not an `org-...` id; None otherwise.

    `location` is "header" (OpenAI-Organization) or "env:<VARIABLE>" (OPENAI_ORG_ID, ...).
    """
    return _classify_id(value, location, _ORGANIZATION)


def classify_project(value: str, *, location: str = "header") -> Finding | None:
    """`project_mismatch` (request side) when the value is not a `proj_...` id; None otherwise.

    `location` is "header" (OpenAI-Project) or "env:<VARIABLE>" (OPENAI_PROJECT_ID).
    """
    return _classify_id(value, location, _PROJECT)
