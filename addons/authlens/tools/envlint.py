"""`authlens check` without the command line: lint client variables from the environment and .env.

Each variable is read from every place it is set (the environment, each `.env` file), and
each value is checked where it is written, because different loaders pick different ones:
python-dotenv keeps an exported value over the file's, docker compose's `env_file` uses the
file's. Cross-variable checks (key vs base URL, proxy vs CA) use the value an app loading
`.env` with python-dotenv would end up with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from authlens.credentials.keys import fingerprint_key
from authlens.diagnosis.hints import one_line
from authlens.exchange import Finding, Side
from authlens.tools import envvalues as ev
from authlens.tools.dotenv_bytes import DotenvFile, expand, undefined_references
from authlens.tools.proxylint import ProxyContext, proxy_findings

ORG_VARIABLES = ("OPENAI_ORG_ID", "OPENAI_ORGANIZATION")
PROJECT_VARIABLES = ("OPENAI_PROJECT_ID",)
URL_VARIABLES = ("OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT")
PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)
CA_VARIABLES = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "NODE_USE_ENV_PROXY",
    "NODE_OPTIONS",
    "JAVA_TOOL_OPTIONS",
    "WGETRC",
    "PHP_INI_SCAN_DIR",
)
WATCHED = (
    *ev.KEY_VARIABLES,
    *ORG_VARIABLES,
    *PROJECT_VARIABLES,
    *URL_VARIABLES,
    "OPENAI_API_BASE",
    *PROXY_VARIABLES,
    *CA_VARIABLES,
)
ENVIRONMENT = "environment"


@dataclass(frozen=True, slots=True)
class Value:
    """One setting of a variable: its value as loaded, as written, and where."""

    variable: str
    value: str
    raw: str  # as written: a .env line's text after `=` (CR, blanks, quotes kept)
    source: str  # "environment" or "<file>:<line>"


@dataclass(frozen=True, slots=True)
class EnvFinding:
    """One problem: `{"variable", "cause", "hint"}` in `check --json`, plus where it was read."""

    variable: str
    cause: str
    hint: str
    source: str

    def to_json(self) -> dict[str, str]:
        return {
            "variable": self.variable,
            "cause": self.cause,
            "hint": self.hint,
            "source": self.source,
        }


def is_secret(variable: str) -> bool:
    return variable in ev.KEY_VARIABLES


def shown(variable: str, value: str) -> str:
    """A value as `check` may print it: keys as fingerprints, URLs without their password."""
    if is_secret(variable):
        return fingerprint_key(value) if value else "(empty)"
    parts = urlsplit(value) if "://" in value else None
    if parts is not None and parts.password:
        value = value.replace(f":{parts.password}@", ":****@", 1)
    return one_line(value)


def collect(environ: Mapping[str, str], files: Iterable[DotenvFile]) -> list[Value]:
    """Every setting of a watched variable: the environment's first, then each file's.

    A file's values are `${VAR}`-expanded as `load_dotenv()` expands them.
    """
    values = [Value(n, environ[n], environ[n], ENVIRONMENT) for n in WATCHED if n in environ]
    for dotenv in files:
        for entry in expand(dotenv.entries, environ):
            if entry.name in WATCHED:
                source = f"{dotenv.path}:{entry.line}"
                values.append(Value(entry.name, entry.value, entry.raw, source))
    return values


def undefined_variables(
    environ: Mapping[str, str], files: Iterable[DotenvFile]
) -> list[EnvFinding]:
    """`OPENAI_API_KEY=${MY_KEY}` where MY_KEY is set nowhere: loaders load an empty key."""
    found = []
    for dotenv in files:
        earlier: list[str] = []
        for entry in dotenv.entries:
            missing = undefined_references(entry.value, environ, earlier)
            earlier.append(entry.name)
            if entry.name not in WATCHED or not missing:
                continue
            names = ", ".join(missing)
            hint = (
                f"{entry.name} refers to {names}, which neither the environment nor the file "
                "sets: load_dotenv() makes it empty and 'docker run --env-file' sends the "
                f"reference literally; set {names} or write the value itself."
            )
            source = f"{dotenv.path}:{entry.line}"
            found.append(EnvFinding(entry.name, "unexpanded_variable", hint, source))
    return found


def crlf_files(files: Iterable[DotenvFile]) -> list[EnvFinding]:
    """A CR at the end of every line: shells and `docker run --env-file` keep it in every value."""
    hint = (
        "{path} has Windows line endings (CRLF) on every line: python-dotenv and docker compose "
        "strip the CR, but 'source {path}' and 'docker run --env-file' keep a '\\r' at the end "
        "of every value (keys, URLs, proxies); convert it to LF (dos2unix {path})."
    )
    return [
        EnvFinding(str(f.path), "env_file_unreadable", hint.format(path=f.path), str(f.path))
        for f in files
        if f.crlf
    ]


def invisible_difference(first: str, second: str) -> str | None:
    """The characters two values differ by, shown escaped, when they are invisible ones only.

    "'\\r' at the end" for a CRLF copy of the same key; None when the values differ in
    visible characters (two different keys: nothing about them may be shown).
    """
    start = 0
    while start < min(len(first), len(second)) and first[start] == second[start]:
        start += 1
    end = 0
    while end < min(len(first), len(second)) - start and first[-1 - end] == second[-1 - end]:
        end += 1
    extra = first[start : len(first) - end] + second[start : len(second) - end]
    if not extra or len(extra) > 8 or any(c.isalnum() for c in extra):
        return None
    shown = ascii(extra)[1:-1]
    where = "at the end" if end == 0 else "at the start" if start == 0 else "inside"
    return f"they differ only by '{shown}' {where}"


def effective(values: Iterable[Value]) -> dict[str, str]:
    """What python-dotenv's `load_dotenv()` leaves: the environment wins, then the first file."""
    result: dict[str, str] = {}
    for value in values:
        result.setdefault(value.variable, value.value)
    return result


def shadowing(values: list[Value]) -> list[EnvFinding]:
    exported = {v.variable: v.value for v in values if v.source == ENVIRONMENT}
    found = []
    for value in values:
        current = exported.get(value.variable)
        if value.source == ENVIRONMENT or current is None or current == value.value:
            continue
        invisible = invisible_difference(value.value, current)
        how = f" ({invisible})" if invisible else ""
        hint = (
            f"{value.variable} in {value.source} ({shown(value.variable, value.value)}) is "
            f"ignored: the environment already has {shown(value.variable, current)}{how}, and "
            f"load_dotenv() does not override by default; unset {value.variable} in the shell "
            "(check ~/.bashrc, ~/.zshrc) or use load_dotenv(override=True)."
        )
        found.append(EnvFinding(value.variable, "shadowed_by_environment", hint, value.source))
    return found


def kept_by_some_loaders(value: Value) -> Finding | None:
    """A CR or trailing blanks after an unquoted .env value: python-dotenv strips them, a
    shell (`source .env`) or `docker run --env-file` keeps them. Blanks inside the value
    itself are every loader's problem, and the classifier's."""
    if value.variable not in ev.KEY_VARIABLES and value.variable not in URL_VARIABLES:
        return None
    if value.source == ENVIRONMENT or value.raw.lstrip()[:1] in ("'", '"'):
        return None
    extra = value.raw[len(value.raw.rstrip()) :]
    if not extra:
        return None
    cr = "\r" in extra
    what = "a carriage return (CRLF line endings)" if cr else "trailing blanks"
    keeper = "'source .env' in a shell" if cr else "'docker run --env-file'"
    fix = "convert the file to LF (dos2unix)" if cr else "remove them"
    cause = "whitespace_in_key" if is_secret(value.variable) else "wrong_base_url"
    return Finding(
        cause,
        (
            f"{value.variable} in {value.source} ends with {what}: python-dotenv strips it but "
            f"{keeper} keeps it and the request breaks; {fix}."
        ),
        Side.REQUEST,
    )


def value_findings(value: Value, env: Mapping[str, str]) -> list[Finding]:
    """Findings about one setting of one variable."""
    name, text = value.variable, value.value
    found = [f for f in (kept_by_some_loaders(value),) if f is not None]
    if name in ev.KEY_VARIABLES:
        url_variable = "AZURE_OPENAI_ENDPOINT" if name.startswith("AZURE_") else "OPENAI_BASE_URL"
        host = urlsplit(env.get(url_variable, "").strip()).hostname
        # The classifier may say what we said already (a CR is whitespace_in_key to both).
        causes = {f.cause for f in found}
        found += [f for f in ev.key_findings(name, text, host) if f.cause not in causes]
    elif name in ORG_VARIABLES:
        found += ev.organization_findings(name, text)
    elif name in PROJECT_VARIABLES:
        found += ev.project_findings(name, text)
    elif name in URL_VARIABLES:
        found += ev.base_url_findings(name, text)
    elif name == "OPENAI_API_BASE" and not env.get("OPENAI_BASE_URL"):
        found.append(
            Finding(
                "wrong_base_url",
                (
                    "OPENAI_API_BASE is the openai 0.x name and openai>=1.0 ignores it: rename it "
                    "OPENAI_BASE_URL."
                ),
                Side.REQUEST,
            )
        )
    return found


def lint(
    environ: Mapping[str, str], files: list[DotenvFile], ctx: ProxyContext
) -> tuple[list[Value], list[EnvFinding]]:
    """Everything read, and every finding once."""
    found = [
        EnvFinding(str(f.path), "env_file_unreadable", problem, str(f.path))
        for f in files
        for problem in f.problems
    ]
    found += crlf_files(files)
    values = collect(environ, files)
    found += shadowing(values)
    found += undefined_variables(environ, files)
    env = effective(values)
    every = {**{e.name: e.value for f in files for e in f.entries}, **environ}
    found += missing_credentials(env, every)
    for value in values:
        found += [
            EnvFinding(value.variable, f.cause, f.hint, value.source)
            for f in value_findings(value, env)
        ]
    base = (env.get("OPENAI_BASE_URL") or "").strip()
    parts = urlsplit(base)
    if not base or (parts.scheme == "https" and parts.hostname):
        api_host = parts.hostname or ev.OPENAI_HOST
        source: dict[str, str] = {}
        for value in values:
            source.setdefault(value.variable, value.source)
        found += [
            EnvFinding(name, f.cause, f.hint, source.get(name, ENVIRONMENT))
            for name, f in proxy_findings(env, api_host, ctx)
        ]
    # `${UNSET}` loads as an empty value: the reference is the root, not the emptiness.
    referenced = {(f.variable, f.source) for f in found if f.cause == "unexpanded_variable"}
    found = [f for f in found if f.cause != "empty_key" or (f.variable, f.source) not in referenced]
    return values, unique(found)


def missing_credentials(env: Mapping[str, str], every: Mapping[str, str]) -> list[EnvFinding]:
    """No key for the API the client will call: the SDK stops, or sends no Authorization.

    `env` holds the watched variables as loaded, `every` all variables (any provider's key).
    """
    base = (env.get("OPENAI_BASE_URL") or "").strip()
    host = (urlsplit(base).hostname or "") if base else ev.OPENAI_HOST
    if any(name in env for name in ev.KEY_VARIABLES):
        return []  # set, even if empty: the value's own finding (empty_key, ...) says more
    if env.get("AZURE_OPENAI_ENDPOINT", "").strip():
        return []  # Azure clients may authenticate with Entra ID, no variable at all
    if host != ev.OPENAI_HOST and (ev.is_private_host(host) or ev.provider_key_set(host, every)):
        return []  # a local server takes any key; another provider's key has its own name
    hint = (
        "OPENAI_API_KEY is not set in the environment or a .env file: the OpenAI SDKs refuse "
        "to start ('Missing credentials') or send no key; export it, or put it in .env and "
        "call load_dotenv() before creating the client."
    )
    return [EnvFinding("OPENAI_API_KEY", "missing_credentials", hint, ENVIRONMENT)]


def unique(found: Iterable[EnvFinding]) -> list[EnvFinding]:
    """Each finding once, its hint made one safe ASCII line."""
    result: list[EnvFinding] = []
    for f in found:
        safe = EnvFinding(f.variable, f.cause, one_line(f.hint), f.source)
        if safe not in result:
            result.append(safe)
    return result
