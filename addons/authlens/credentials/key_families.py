"""Recognisers for the ways a credential value goes wrong, one per request-side family.

Each is a pure predicate over the value as sent (or as set in a variable). They are written
as families, not lists of examples: `${...}`, `%VAR%`, `{{ ... }}`, `process.env.X` and their
relatives are all one `unexpanded_variable`; so are unresolved secret-manager references
(`@Microsoft.KeyVault(...)`, `op://`, `arn:aws:secretsmanager:`). A placeholder is judged by
shape first (`shape.human_text`: words, numbers, fillers, sequences after any known prefix);
the few phrases left (`your ... key`) are the last resort. Every regex is compiled here,
once, with bounded repeats, and runs on values already capped in length by the caller.
"""

from __future__ import annotations

import re

from authlens.credentials.shape import human_text, written_body
from authlens.registry import PREFIXES, kind_of

# Quote characters people wrap keys in: ASCII, typographic ("smart"), guillemets, primes,
# fullwidth. A quote on one side only counts too (a copy that caught one of them).
QUOTES = (
    "\"'`\u201c\u201d\u201e\u201f\u2018\u2019\u201a\u201b"
    "\u00ab\u00bb\u2039\u203a\u2032\u2033\uff02\uff07"
)
_ESCAPED_QUOTES = ('\\"', "\\'", "&quot;", "&#34;", "&#39;", "&apos;")

# A label pasted before the key: `OPENAI_API_KEY=`, `export X=`, `apiKey: `, `"api_key": `,
# `Authorization: Bearer`, `-H "X-Api-Key: ...`, a JSON object opened around it.
_LABEL = re.compile(
    r"""^\s{0,8}\{?\s{0,8}(?:export\s{1,8}|setx?\s{1,8}|\$env:|-H\s{0,8}["']?)?"""
    r"""["'`]?(?P<name>[A-Za-z_][A-Za-z0-9_.-]{0,63})["'`]?\s{0,8}(?::=|=>|[:=])(?!=)\s{0,8}\S"""
)
_LABEL_WORD = re.compile(r"(?i)key|token|secret|auth|bearer|api|openai|azure|pass|cred")
_ANY_PREFIX = "|".join(re.escape(p) for p in PREFIXES)
_KEYLIKE_START = re.compile(rf"""\s{{0,8}}["'`]?(?:{_ANY_PREFIX})""")

_UNEXPANDED = re.compile(
    r"\$\{[^}]{0,200}\}?"  # ${VAR}, ${VAR:-default}, ${{ secrets.X }}, ${sk-...} from docs
    r"|\$\(\s{0,4}[^)]{0,200}\)?"  # $(cat key.txt), $(op read ...)
    r"|\${1,2}[A-Za-z_][A-Za-z0-9_]{0,63}(?::[A-Za-z_][A-Za-z0-9_]{0,63})?"  # $X, $$X, $env:X
    r"|%[A-Za-z_][A-Za-z0-9_]{0,63}%"  # cmd.exe %VAR%
    r"|![A-Za-z_][A-Za-z0-9_]{0,63}!"  # cmd.exe delayed expansion !VAR!
    r"|\{\{[^}]{0,200}\}\}|\{%[^%]{0,200}%\}"  # GitHub Actions, Jinja, Helm, Handlebars
    r"|<%=?[^%]{0,200}%>|#\{[^}]{0,200}\}"  # ERB / EJS, Ruby interpolation
    r"|\b(?:process\.env|import\.meta\.env|Deno\.env|Bun\.env)\b"  # JavaScript runtimes
    r"|\bos\.(?:environ|getenv)\b|\bgetenv\s{0,4}\("  # Python, C, PHP
    r"|\bENV\s{0,4}\[|\benv\s{0,4}\("  # Ruby ENV["X"], Laravel env("X")
    r"|\bSystem\.getenv\b|\bEnvironment\.GetEnvironmentVariable\b|\bstd::env::var\b"
    r"|\bsecrets\.[A-Za-z_]|\bvars\.[A-Za-z_]"  # CI contexts outside their braces
    r"|^\{[^{}]{1,200}\}$"  # Python format field or docs' braces: {OPENAI_API_KEY}, {sk-...}
)
# The variable's name sent instead of its value: `OPENAI_API_KEY`, `openai_api_key`,
# `openaiApiKey` (an identifier of two or more words, one of them key-ish).
_NAME_AS_VALUE = re.compile(
    r"[A-Z][A-Z0-9]{0,20}(?:_[A-Z0-9]{1,20}){0,6}_?(?:KEY|TOKEN|SECRET)(?:_[A-Z0-9]{1,20}){0,4}"
    r"|[a-z][a-z0-9]{0,20}(?:_[a-z0-9]{1,20}){0,6}_(?:key|token|secret)(?:_[a-z0-9]{1,20}){0,4}"
    r"|[a-z][a-z0-9]{0,20}(?:[A-Z][a-z0-9]{0,20}){0,6}(?:Key|Token|Secret)(?:[A-Z][a-z0-9]{0,20}){0,4}"
)
# Names that announce sample text (`YOUR_API_KEY`, `test_key`): placeholders, not variables.
_SAMPLE_WORDS = re.compile(
    r"(?i)^(?:your|my|insert|enter|replace|paste|actual|example|sample|dummy|test|fake)(?:[_A-Z]|$)"
)
# Unresolved secret-manager references, and who resolves them.
_SECRET_MANAGERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Azure Key Vault", re.compile(r"(?i)@Microsoft\.KeyVault\(|^akv://|^azurekeyvault://")),
    ("1Password", re.compile(r"^op://")),
    (
        "AWS Secrets Manager",
        re.compile(r"^arn:aws[a-z-]{0,12}:secretsmanager:|resolve:secretsmanager:"),
    ),
    ("AWS SSM Parameter Store", re.compile(r"^arn:aws[a-z-]{0,12}:ssm:|resolve:ssm")),
    ("HashiCorp Vault", re.compile(r"^(?:ref\+)?vault:")),
    ("Google Secret Manager", re.compile(r"^projects/[^/]{1,64}/secrets/|^sm://|^gcp:")),
    # Any other `scheme://` that is not the web's: a reference some loader should resolve.
    ("a secret manager", re.compile(r"(?i)^(?!(?:https?|wss?)://)[a-z][a-z0-9+.-]{1,20}://\S")),
)
# Where a reference names its variable: `${{ secrets.X }}`, Helm `.Values.a.b`, `.Env.X`,
# `process.env.X`, `os.environ["X"]`, `$env:X`, `${X}`, `$X`, `%X%`, `!X!`.
_REFERENCE_NAMES = tuple(
    re.compile(pattern)
    for pattern in (
        r"\b(?:secrets|vars|env|inputs)\.([A-Za-z_][A-Za-z0-9_]{0,63})",
        r"(\.Values(?:\.[A-Za-z_][A-Za-z0-9_-]{0,40}){1,6})",
        r"\.Env\.([A-Za-z_][A-Za-z0-9_]{0,63})",
        r"""[\[(]\s{0,4}["']([A-Za-z_][A-Za-z0-9_]{0,63})["']""",
        r"\$env:([A-Za-z_][A-Za-z0-9_]{0,63})",
        r"\$\{?\s{0,4}([A-Za-z_][A-Za-z0-9_]{0,63})",
        r"[%!]([A-Za-z_][A-Za-z0-9_]{0,63})[%!]",
        r"^\{\s{0,4}([A-Za-z_][A-Za-z0-9_]{0,63})\s{0,4}\}$",
    )
)
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,63}")
_NAME_SHAPES = re.compile(
    r"[A-Z][A-Z0-9]{0,20}(?:_[A-Z0-9]{1,20}){0,6}"  # OPENAI_API_KEY
    r"|[a-z]{1,20}(?:_[a-z0-9]{1,20}){0,6}"  # openai_api_key
    r"|[a-z]{1,20}(?:[A-Z][a-z]{0,20}){1,6}"  # openaiApiKey
)
_KEYLIKE_INSIDE = re.compile(_ANY_PREFIX)
_RUN = re.compile(r"[A-Za-z0-9]{12,200}")
_NAME_LOOKAHEAD = 80

# Last resort, for what shape cannot see: sample phrases (`your-api-key`, `insert key here`)
# and a JavaScript object stringified into the header.
_PLACEHOLDER_PHRASE = re.compile(
    r"(?i)(?:your|my|insert|enter|replace|paste|actual)[\s_.-]{0,3}"
    r"(?:[a-z]{1,12}[\s_.-]{0,3}){0,3}?(?:key|token|secret|id(?![a-z]))"
)
_PHRASE_STARTS = ("your", "my", "insert", "enter", "replace", "paste", "actual")
_OBJECT = "[object object]"
# How runtimes spell "no value" when one is stringified into a header (JS, Python, Ruby...).
_NULLS = frozenset({"undefined", "null", "none", "nil", "nan", _OBJECT})
# <your key>, [API_KEY], and `sk-...` with nothing after the dots.
_PLACEHOLDER_WHOLE = re.compile(r"<[^<>%]{1,80}>|\[[^\[\]]{1,80}\]|(?:\.{2,}|\u2026)")

_MASKS = ("**", "...", "\u2026")
_MASK_BULLETS = re.compile(r"[\u2022\u25cf\u00b7\u2219\u22ef]{2}")

# Cheap gates: a value holding none of these characters cannot match the regex after them.
_REFERENCE_CHARS = frozenset("$%!{<#.([")
_WHITESPACE_CHARS = frozenset(" \t\r\n\v\f\\%")
_WHITESPACE = re.compile(r"[ \t\r\n\v\f]|\\[nrt]|%0[9AaDd]|%20")
_URL = re.compile(
    r"(?i)\b(?:https?|wss?)://|^\W{0,2}(?:www\.|(?:localhost|127\.0\.0\.1)[:/])"
    r"|^\W{0,2}[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,6}/"
)


def is_quoted(value: str) -> bool:
    """Wrapped in quotes, on one side or both (smart and backtick quotes included)."""
    text = value.strip()
    if not text:
        return False
    return (
        text[0] in QUOTES
        or text[-1] in QUOTES
        or text.startswith(_ESCAPED_QUOTES)
        or text.endswith(_ESCAPED_QUOTES)
    )


def has_label(value: str) -> bool:
    """A `name=` / `name:` label before the key, where the name is a key-ish label."""
    match = _LABEL.match(value)
    if match is None:
        return False
    name = match.group("name")
    return bool(_LABEL_WORD.search(name)) or bool(_KEYLIKE_START.match(value, match.end() - 1))


def unexpanded_reference(value: str) -> str | None:
    """The literal variable reference in `value` with what follows it, or None.

    A bare name sent as the value (`OPENAI_API_KEY`) counts: the code passed the variable's
    name instead of reading it.
    """
    if not _REFERENCE_CHARS.isdisjoint(value) and (match := _UNEXPANDED.search(value)):
        # `process.env` / `os.environ[...]` name the variable just after the match.
        return value[match.start() : match.end() + _NAME_LOOKAHEAD]
    name = value.strip().strip(QUOTES)
    # `ADD_YOUR_KEY_HERE` and `YOUR_API_KEY` are sample text, not a variable's name.
    sample = _SAMPLE_WORDS.match(name) or _has_phrase(name.lower())
    return name if _NAME_AS_VALUE.fullmatch(name) and not sample else None


def secret_manager(value: str) -> str | None:
    """Who should have resolved `value`, when it is a secret-manager reference; else None."""
    text = value.strip().strip(QUOTES)
    for manager, pattern in _SECRET_MANAGERS:
        if pattern.search(text):
            return manager
    return None


def variable_in(reference: str) -> str | None:
    """The variable name inside a reference, when it is safe to show, else None.

    Only names that read like names (SCREAMING_SNAKE, snake or camelCase, no digits runs)
    and only from references holding nothing key-like: `${sk-proj-...}` shows nothing.
    """
    if _KEYLIKE_INSIDE.search(reference) or any(
        _looks_random(run) for run in _RUN.findall(reference)
    ):
        return None
    for pattern in _REFERENCE_NAMES:
        named = pattern.search(reference)
        if named and _LABEL_WORD.search(named.group(1)):
            return named.group(1)
    for match in _VARIABLE_NAME.finditer(reference):
        name = str(match.group(0))
        if _LABEL_WORD.search(name) and _NAME_SHAPES.fullmatch(name):
            return name
    return None


def _looks_random(run: str) -> bool:
    return len(run) >= 12 and any(c.isdigit() for c in run) and any(c.isalpha() for c in run)


def is_sample_text(value: str) -> bool:
    """Sample or null-like text that no name or id is: brackets, `your ... key`, `null`."""
    text = value.strip().strip(QUOTES).strip()
    lowered = text.lower()
    if _PLACEHOLDER_WHOLE.fullmatch(text) or lowered in _NULLS:
        return True
    return _has_phrase(lowered) or (len(text) > 2 and len(set(lowered)) <= 2)


def is_placeholder(value: str) -> bool:
    """A documentation placeholder or a null-like value, judged by shape first.

    After any known key prefix, the rest is bracketed (`sk-<key>`), empty, dots, or text a
    person wrote (`sk-test-123`, `FIXME`, `undefined`, `1111111`); a masked copy is not.
    """
    text = value.strip().strip(QUOTES).strip()
    if not text:
        return False
    rest = text[len(next((p for p in PREFIXES if text.startswith(p)), "")) :]
    if not rest or _PLACEHOLDER_WHOLE.fullmatch(rest) or text.lower() == _OBJECT:
        return True
    lowered = text.lower()
    if _has_phrase(lowered, text if len(lowered) == len(text) else None):
        return True
    if is_masked(text):
        # A filler behind the mask (`sk-proj-xxxx****`) is sample text; real tails vary.
        visible = "".join(c for c in rest if c.isalnum())
        return bool(visible) and len(set(visible)) == 1
    if looks_like_prose(text) or not text.isascii():
        return False
    # A value that fits a kind exactly (inside quotes, say) is judged as a real key must be.
    return written_body(rest) if kind_of(text) is not None else human_text(rest)


_WORD_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _has_phrase(lowered: str, written: str | None = None) -> bool:
    """`your ... key` where a word starts; the regex is tried only where a start word occurs.

    With `written` (the text before lowering), the phrase must also start in a piece a
    person wrote: a random key body spells `myid` or `_yourkey` by chance (1 broken key in
    about 100 did, before this).
    """
    for word in _PHRASE_STARTS:
        start = lowered.find(word)
        while start != -1:
            starts_word = start == 0 or lowered[start - 1] not in _WORD_CHARACTERS
            if (
                starts_word
                and _PLACEHOLDER_PHRASE.match(lowered, start)
                and (written is None or _written_piece(written, start))
            ):
                return True
            start = lowered.find(word, start + 1)
    return False


def _written_piece(text: str, at: int) -> bool:
    """Whether the piece of `text` (between separators) around index `at` reads as written
    by a person, not as random material (`shape.human_text`)."""
    piece = next((m.group(0) for m in _PIECE.finditer(text) if m.start() <= at < m.end()), "")
    return human_text(piece)


_PIECE = re.compile(r"[A-Za-z0-9]+")


def is_masked(value: str) -> bool:
    """A masked copy: stars, bullets or an ellipsis standing for the hidden middle."""
    if any(mask in value for mask in _MASKS):
        return True
    return not value.isascii() and _MASK_BULLETS.search(value) is not None


def has_whitespace(value: str) -> bool:
    """Spaces, tabs, CR/LF, or their escaped spellings (`\\n`, `%0A`) in the value."""
    return not _WHITESPACE_CHARS.isdisjoint(value) and _WHITESPACE.search(value) is not None


def looks_like_prose(value: str) -> bool:
    """Several words and none of them key-shaped: a sentence pasted into the key field."""
    words = value.split()
    return len(words) >= 3 and max(len(w) for w in words) < 20


def is_url(value: str) -> bool:
    """A URL (or a bare host/path) sent where the key belongs."""
    start = value[:16].lower()
    if "/" not in value and "www." not in start and "localhost" not in start:
        return False
    return _URL.search(value) is not None


def has_non_ascii(value: str) -> bool:
    """Characters outside printable ASCII: accents, homoglyphs, zero-width, BOM, controls."""
    return not (value.isascii() and value.isprintable())
