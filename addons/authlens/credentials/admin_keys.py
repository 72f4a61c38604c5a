"""Admin keys (`sk-admin-...`) against the endpoints they are for: `admin_key_misuse`.

Admin keys work only on the Admin API (`/v1/organization/...`), and the Admin API takes only
admin keys. Either mix-up makes OpenAI answer "Missing scopes: api.management.read" or
similar, which this finding explains (contract section 7).
"""

from __future__ import annotations

import re

from authlens.credentials.keys import key_kind
from authlens.exchange import Finding, Side
from authlens.registry import PROVIDERS, kind_by_name

ADMIN_KEYS_PAGE = "https://platform.openai.com/settings/organization/admin-keys"
_ADMIN_PATH = re.compile(r"(?:^|/)v1/organization(?:/|$)")
_EXPLAINS = frozenset({"insufficient_permissions"})
_ADMIN_KIND = "openai_admin"
_ADMIN = kind_by_name(_ADMIN_KIND).prefix + "..."
_KEYS_PAGE = PROVIDERS["openai"].console
_NOT_FOR_ADMIN_API = frozenset({"openai_ephemeral"})
_ADMIN_KEY_ON_API = (
    f"An admin key ({_ADMIN}) was sent to a non-admin endpoint; admin keys work only on "
    f"/v1/organization/... (Admin API): use a project key from {_KEYS_PAGE} in OPENAI_API_KEY "
    "and keep the admin key in OPENAI_ADMIN_KEY."
)
_API_KEY_ON_ADMIN = (
    f"Endpoints under /v1/organization/ take only an admin key ({_ADMIN}), not a project "
    f"or user key: create one at {ADMIN_KEYS_PAGE} and send it as Bearer (OPENAI_ADMIN_KEY)."
)


def is_admin_path(path: str) -> bool:
    """True for Admin API paths (`/v1/organization/...`), query string ignored."""
    return _ADMIN_PATH.search(path.partition("?")[0]) is not None


def classify_admin_use(token: str, *, path: str) -> Finding | None:
    """`admin_key_misuse` when an admin key meets a non-admin path, or the reverse."""
    kind = key_kind(token)
    if kind is None or kind.provider != "openai" or kind.name in _NOT_FOR_ADMIN_API:
        return None
    admin_key, admin_path = kind.name == _ADMIN_KIND, is_admin_path(path)
    if admin_key and not admin_path:
        return Finding("admin_key_misuse", _ADMIN_KEY_ON_API, Side.REQUEST, _EXPLAINS)
    if admin_path and not admin_key:
        return Finding("admin_key_misuse", _API_KEY_ON_ADMIN, Side.REQUEST, _EXPLAINS)
    return None


def classify_admin_variable(token: str, variable: str) -> Finding | None:
    """For `authlens check`: an admin key in OPENAI_API_KEY, or a plain key in OPENAI_ADMIN_KEY."""
    kind = key_kind(token)
    if kind is None or kind.provider != "openai":
        return None
    admin_key = kind.name == _ADMIN_KIND
    if variable == "OPENAI_ADMIN_KEY" and not admin_key:
        text = f"OPENAI_ADMIN_KEY holds a project or user key; {_API_KEY_ON_ADMIN}"
        return Finding("admin_key_misuse", text, Side.REQUEST, _EXPLAINS)
    if variable == "OPENAI_API_KEY" and admin_key:
        text = (
            f"OPENAI_API_KEY holds an admin key ({_ADMIN}), which works only on "
            f"/v1/organization/...: put a project key from {_KEYS_PAGE} "
            "in OPENAI_API_KEY and the admin key in OPENAI_ADMIN_KEY."
        )
        return Finding("admin_key_misuse", text, Side.REQUEST, _EXPLAINS)
    return None
