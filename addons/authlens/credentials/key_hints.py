"""Hint sentences for the request-side key codes.

Every hint is a fixed sentence filled in with the place and the variable (`KeyContext`) and
never with the value itself: a hint must not carry the credential or any 8 characters of it.
The one exception, a variable name read from `${NAME}`, is shown only when it is a key-ish
identifier (see `key_families.variable_in`). All text is ASCII.
"""

from __future__ import annotations

from authlens.credentials.key_context import KeyContext
from authlens.registry import PROVIDERS, kind_by_name

OPENAI_KEYS_PAGE = PROVIDERS["openai"].console
_AZURE_PORTAL = PROVIDERS["azure"].console
_OPENAI_BASE = PROVIDERS["openai"].base_url
_AZURE_HOST = PROVIDERS["azure"].hosts[0].replace("*", "<resource>")
_AZURE_KEY_HEADER = PROVIDERS["azure"].key_headers[0]
_AZURE_KEY_VAR, _AZURE_TOKEN_VAR = PROVIDERS["azure"].variables
_RELAY = "relay"
_JWT_SHAPE = kind_by_name("jwt").prefix + "..."
_PROJECT = kind_by_name("openai_project")
_PROJECT_KEY = (
    f"{_PROJECT.prefix}... of {len(_PROJECT.prefix) + _PROJECT.layouts[0].length} characters"
)
_LEGACY = kind_by_name("relay")  # the bare-prefix shape
_SESSION_SHAPE = PROVIDERS["chatgpt"].key_shape
_SEPARATORS = {"\t": "a tab", "\u00a0": "a non-breaking space (U+00A0)"}
# Schemes people write instead of Bearer; only these words are ever echoed in a hint.
_KNOWN_SCHEMES = frozenset(
    {"basic", "token", "bearer:", "bearer=", "key", "apikey", PROVIDERS["azure"].key_headers[0]}
)


def _a(name: str) -> str:
    """`an OpenAI`, `a Groq`, `an xAI`."""
    return f"an {name}" if name[0].lower() in "aeiox" else f"a {name}"


def _console(ctx: KeyContext) -> str:
    return _AZURE_PORTAL if ctx.is_azure else OPENAI_KEYS_PAGE


def fill(sentence: str, ctx: KeyContext, **extra: str) -> str:
    """One of the fixed sentences below, for the value's place.

    `{subject}` is the place (`The Bearer token`, `OPENAI_API_KEY`), `{variable}` the variable
    to fix, `{console}` where that provider's keys are made; `extra` fills the rest.
    """
    return sentence.format(
        subject=ctx.subject,
        variable=ctx.variable,
        console=_console(ctx),
        openai_console=OPENAI_KEYS_PAGE,
        project_key=_PROJECT_KEY,
        session_shape=_SESSION_SHAPE,
        exchange_host=PROVIDERS["openai"].exchange_host,
        **extra,
    )


# Sentences with nothing to decide: `fill` puts in the place and the variable.
EMPTY_KEY = (
    "{subject} is empty: {variable} is set but blank where the client runs "
    "(check the shell, the .env file and the container or CI secret mapping)."
)
DUPLICATED_BEARER = (
    "{subject} already starts with 'Bearer ' and the client adds its own, so "
    "'Bearer Bearer' is sent: store only the key in {variable}."
)
URL_AS_KEY = (
    "{subject} is a URL, not a key (base URL and key swapped?): put the URL in "
    "OPENAI_BASE_URL and the key from {console} in {variable}."
)
LABEL_IN_KEY = (
    "{subject} has a label pasted before it (a NAME= or name: prefix, a header name "
    "or a scheme word): store only the key itself in {variable}."
)
TEMPLATED_KEY = (
    "{subject} is a key inside template syntax (${{...}}, {{{{ ... }}}} or {{...}}) "
    "copied from an example: the braces and $ were meant to be replaced, not kept; "
    "set {variable} to the bare key."
)
UNRESOLVED_REFERENCE = (
    "{subject} is an unresolved reference to {manager}, not the key: the platform or "
    "loader that should resolve it did not (missing identity, permission or syntax); "
    "check that it resolves where the client runs, or set {variable} to the key."
)
WORKLOAD_PLACEHOLDER = (
    "{subject} is the placeholder the openai SDK sends with workload identity federation, "
    "so the token exchange at {exchange_host} never replaced it: check the workload_identity "
    "settings (identity provider token file, audience), or set {variable} to a key."
)
PASTED_TWICE = (
    "{subject} holds the key twice (pasted twice, or appended to an old value): "
    "store it once in {variable}."
)
MASKED_KEY = (
    "{subject} is a masked copy (stars or dots in place of the middle, as dashboards "
    "and logs show keys): the full key is shown only once, at creation; create a new one "
    "at {console} and put it in {variable}."
)
QUOTED_KEY = (
    "{subject} is wrapped in quotes (straight, typographic, backticks) or brackets: store it "
    "without them in {variable}; Windows 'set', docker --env-file and some secret stores keep "
    "quotes literally."
)
WHITESPACE_IN_KEY = (
    "{subject} contains whitespace or a line break (a CR from a CRLF .env file, a "
    "wrapped copy, or a literal \\n): strip it from {variable}."
)
NON_ASCII_KEY = (
    "{subject} contains non-ASCII or invisible characters (zero-width space, BOM, "
    "look-alike letters, typographic dashes): copy the key again as plain text into "
    "{variable}."
)
TRUNCATED_KEY = (
    "{subject} starts like an OpenAI key but is too short, so it was cut when "
    "copied: copy the whole key ({project_key}) into {variable}, "
    "or create one at {openai_console}."
)
SESSION_KEY = (
    "{subject} is a ChatGPT browser session key ({session_shape}), which the API "
    "does not accept: create an API key at {openai_console} and put it in {variable}."
)


def unexpanded_variable(ctx: KeyContext, name: str | None) -> str:
    what = f"a reference to {name}" if name else "a variable reference"
    return (
        f"{ctx.subject} is the literal text of {what}, never expanded: the shell, docker "
        "compose, the CI workflow or the code passed the reference instead of its value; "
        f"set {ctx.variable} to the key itself where the client runs."
    )


def odd_separator(ctx: KeyContext) -> str:
    shown = _SEPARATORS.get(ctx.separator[:1], "a character other than a space")
    return (
        f"The Authorization header separates 'Bearer' from the key with {shown}; servers "
        "read only ASCII spaces there: send exactly 'Authorization: Bearer <key>'."
    )


def placeholder_key(ctx: KeyContext) -> str:
    if ctx.env_variable:
        return (
            f"{ctx.variable} holds a placeholder or null-like value, not a key: set it to a key "
            f"from {_console(ctx)}."
        )
    return (
        f"{ctx.subject} is a placeholder or null-like value, not a key: {ctx.variable} was "
        f"unset where the code read it, or still holds sample text; put a key from "
        f"{_console(ctx)} in it."
    )


def other_provider_key(ctx: KeyContext, owner: str, *, token: bool = False) -> str:
    """Name whose key it is, where it works, and where to get the right one."""
    theirs = PROVIDERS[owner]
    ours = PROVIDERS.get(ctx.expected or "openai", PROVIDERS["openai"])
    azure_key, azure_token = PROVIDERS["azure"].variables
    if owner == "openai" and ctx.expected == "azure":
        return (
            f"{ctx.subject} is an OpenAI platform key, but this is Azure OpenAI: send it to "
            f"{_OPENAI_BASE} with the OpenAI client, or use the resource key from "
            f"{_AZURE_PORTAL} in {azure_key}."
        )
    if owner == _RELAY:
        return (
            f"{ctx.subject} is a relay's key ({theirs.key_shape}), as one-api/new-api style "
            f"relays and gateways issue, not {_a(ours.name)} key: set the base URL "
            f"(OPENAI_BASE_URL) to that service, or use a key from {ours.console}."
        )
    if owner == "azure" and token:
        return (
            f"{ctx.subject} is an Azure Entra ID token ({_JWT_SHAPE}, issued by Microsoft), not "
            f"{_a(ours.name)} key: use the AzureOpenAI client with AZURE_OPENAI_ENDPOINT="
            f"https://{_AZURE_HOST} and the token in {azure_token}, or a key from {ours.console}."
        )
    if owner == "azure":
        return (
            f"{ctx.subject} is an Azure OpenAI key ({theirs.key_shape}), not {_a(ours.name)} "
            f"key: use the AzureOpenAI client with AZURE_OPENAI_ENDPOINT=https://{_AZURE_HOST} "
            f"and {azure_key}, or a key from {ours.console}."
        )
    return (
        f"{ctx.subject} is {_a(theirs.name)} key ({theirs.key_shape}), not {_a(ours.name)} key: "
        f"set the base URL (OPENAI_BASE_URL) to {theirs.base_url} with the key in "
        f"{theirs.variable}, or use a key from {ours.console}."
    )


def key_in_wrong_header(ctx: KeyContext, *, token_in_key_slot: bool = False) -> str:
    if ctx.is_azure and token_in_key_slot:
        return (
            f"{ctx.subject} is an Entra ID token ({_JWT_SHAPE}), but that place takes a resource "
            f"key: send tokens as 'Authorization: Bearer' (azure_ad_token, {_AZURE_TOKEN_VAR}) and "
            f"keys from {_AZURE_PORTAL} in '{_AZURE_KEY_HEADER}' ({_AZURE_KEY_VAR})."
        )
    if ctx.is_azure and ctx.bearer_slot:
        return (
            f"{ctx.subject} is an Azure resource key sent as a Bearer token; Azure OpenAI reads "
            f"keys from the '{_AZURE_KEY_HEADER}' header: pass it as api_key to the AzureOpenAI "
            f"client ({_AZURE_KEY_VAR}); Bearer is for Entra ID tokens."
        )
    if ctx.is_azure:
        return (
            f"The key was sent in {ctx.place}; Azure OpenAI reads it from the "
            f"'{_AZURE_KEY_HEADER}' header: pass it as api_key to the AzureOpenAI client "
            f"({_AZURE_KEY_VAR})."
        )
    return (
        f"The key was sent in {ctx.place}; this API reads only 'Authorization: Bearer <key>': "
        "pass it as api_key (OPENAI_API_KEY) so the client sends that header."
    )


def wrong_auth_scheme(ctx: KeyContext) -> str:
    scheme = ctx.scheme or ""
    if not scheme:
        shown = "no scheme (the bare key)"
    elif scheme.lower() in _KNOWN_SCHEMES:
        shown = f"the scheme '{scheme}'"
    else:
        shown = "an unknown scheme"
    return f"The Authorization header has {shown}; send exactly 'Authorization: Bearer <key>'."


def malformed_key(ctx: KeyContext, *, prose: bool = False) -> str:
    if ctx.azure_key_slot:
        return (
            f"{ctx.subject} is not an Azure OpenAI key (32 hex or 84 characters): copy Key 1 "
            f"from {_AZURE_PORTAL} into AZURE_OPENAI_API_KEY."
        )
    if ctx.is_azure:
        return (
            f"{ctx.subject} is not an Entra ID token ({_JWT_SHAPE}): get one for "
            f"{PROVIDERS['azure'].entra_scope} ({_AZURE_TOKEN_VAR}), or send a "
            f"resource key in the '{_AZURE_KEY_HEADER}' header."
        )
    what = "looks like text, not a key" if prose else "does not have the shape of an OpenAI key"
    return (
        f"{ctx.subject} {what} ({_PROJECT_KEY}, or {_LEGACY.prefix} with 48 after it): "
        f"copy it again from {OPENAI_KEYS_PAGE}, or if it belongs to another provider set "
        "OPENAI_BASE_URL to that provider."
    )
