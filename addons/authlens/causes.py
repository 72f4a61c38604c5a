"""Every cause code authlens reports, with its meaning (contract section 7).

The README's cause table is generated from this list (`python -m authlens.causes`), and a
test keeps the two, the contract and the rules in step.
"""

from __future__ import annotations

from typing import Final

REQUEST: Final = {
    "missing_credentials": "no credential at all",
    "key_in_wrong_header": "key sent in `api-key`/`x-api-key`/a query parameter instead of `Authorization: Bearer` (or the reverse for Azure)",
    "wrong_auth_scheme": "`Authorization` without the `Bearer` scheme (raw key, `Basic`, `Token`, `Bearer:`)",
    "empty_key": "`Bearer` with no token",
    "duplicated_bearer": "`Bearer Bearer sk-...`",
    "unexpanded_variable": "a literal variable reference: `$OPENAI_API_KEY`, `${...}`, `%VAR%`, `{{ ... }}`, `process.env.X`, ...",
    "placeholder_key": "a documentation placeholder or null-like value: `sk-YOUR_KEY`, `<your key>`, `undefined`, `None`, `null`, ...",
    "quoted_key": "the key wrapped in quotes",
    "whitespace_in_key": "spaces, tabs or escaped `\\n`/`\\r` inside the token",
    "masked_key": "a masked copy (`sk-...abcd`, `sk-****`)",
    "label_in_key": "a label pasted with the key (`OPENAI_API_KEY=sk-...`, `apiKey: sk-...`)",
    "url_as_key": "a URL sent as the key",
    "non_ascii_key": "non-ASCII or invisible characters in the key",
    "truncated_key": "an OpenAI prefix with too few characters",
    "other_provider_key": "the key of another provider (hint names it)",
    "session_key": "a browser session key (`sess-...`)",
    "admin_key_misuse": "an admin key on a non-admin endpoint, or a non-admin key on `/v1/organization/...`",
    "malformed_key": "none of the above, but not a valid OpenAI key shape",
    "organization_invalid": "`OpenAI-Organization` is not an org id (a name, empty) or the upstream says no such organization",
}

RESPONSE: Final = {
    "invalid_api_key": "a well-formed key that the upstream rejects",
    "key_revoked": "as above, but this key got a 2xx through this proxy earlier (hint says when)",
    "key_changed_in_transit": "the masked key the upstream echoes does not match the key forwarded",
    "organization_mismatch": "the key does not belong to the `OpenAI-Organization` sent",
    "project_mismatch": "the key does not belong to the `OpenAI-Project` sent",
    "no_organization": "the account belongs to no organization",
    "insufficient_permissions": "a restricted key or role lacks scopes (hint lists them)",
    "account_deactivated": "the account or key's account is deactivated",
    "ip_not_allowed": "the caller's IP is not on the allowlist",
    "session_key_required": "the endpoint needs a browser session, not an API key",
    "azure_invalid_key": "Azure: invalid subscription key or wrong endpoint",
    "azure_token_invalid": "Azure: Entra ID token missing, invalid, wrong audience or expired",
    "azure_permission_denied": "Azure: the principal lacks a data-plane role",
    "rejected_by_intermediary": "the error did not come from the expected upstream (no upstream request id, foreign body shape)",
    "insufficient_quota": "429: no credit or quota",
    "rate_limited": "429: rate limit",
    "region_unsupported": "403: country, region or territory",
    "model_access_denied": "403/404: the model does not exist or this project/key has no access",
    "wrong_base_url": "404: unknown URL (missing or doubled `/v1`, wrong path) on OpenAI or Azure",
    "unknown_401": "any other 401",
    "billing_not_active": 'the account\'s billing is not active (`billing_not_active`, "Your account is not active, please check your billing details")',
    "wrong_regional_host": 'the project is bound to a data-residency region and the request went to another host ("incorrect regional hostname"); the hint names the host to use',
    "organization_unverified": 'the model or feature needs a verified organization ("Your organization must be verified to ...")',
    "forbidden_by_policy": "an organization policy refuses the operation (e.g. `zdr_forbidden`: trace ingestion under zero data retention)",
    "token_exchange_failed": "workload identity federation: the token exchange at `auth.openai.com` was refused (`invalid_grant`, `invalid_subject_token`, wrong audience or subject)",
    "upstream_error": "any other error status (400 and up) from the upstream: the hint quotes its error type/code (redacted) and the request ids to give its support",
}

CONNECTION: Final = {
    "upstream_unreachable": "DNS, connect or timeout failure towards the upstream",
    "upstream_tls_failed": "the upstream's certificate was refused (e.g. a corporate TLS proxy)",
    "client_tls_failed": "the client does not trust the authlens CA (hint: the variable to set for its runtime)",
    # Added by authlens (the contract allows additions): an exchange that broke mid-way.
    "upstream_disconnected": "the upstream closed or reset the connection before its response was complete",
    "client_disconnected": "the client closed the connection before the response was complete",
    "proxy_shutdown": "the proxy stopped while the exchange was in flight",
}

ENVIRONMENT: Final = {
    "shadowed_by_environment": "a `.env` file sets a variable, but a different value already in the environment wins",
    "env_file_unreadable": "a `.env` file cannot be parsed (UTF-16 from PowerShell, binary, bad syntax)",
    "ca_not_trusted": "`HTTPS_PROXY` points at an intercepting proxy, but no CA variable for the client's runtime trusts its CA",
    "wrong_base_url": "`OPENAI_BASE_URL` misses or doubles `/v1`, names an endpoint, or uses plain http to a public host",
    "proxy_bypassed": "`NO_PROXY` covers the API host while `HTTPS_PROXY` is set",
    "proxy_ignored_by_runtime": "the runtime ignores `HTTPS_PROXY` (Node's fetch without `NODE_USE_ENV_PROXY=1`)",
}

SECTIONS: Final = (
    ("Request-side: what was sent", REQUEST),
    ("Response-side: what the upstream said", RESPONSE),
    ("Connection-level", CONNECTION),
    ("Environment checks (`authlens check`)", ENVIRONMENT),
)
ALL_CODES: Final = frozenset(code for _, table in SECTIONS for code in table)


def markdown_table() -> str:
    """The README's cause tables."""
    parts = []
    for title, table in SECTIONS:
        rows = "\n".join(f"| `{code}` | {meaning} |" for code, meaning in table.items())
        parts.append(f"**{title}**\n\n| code | meaning |\n| --- | --- |\n{rows}\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(markdown_table(), end="")
