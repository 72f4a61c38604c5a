"""The per-exchange `Redactor`: one object that knows this exchange's secrets and every shape.

Built once per exchange from the credentials it carried and applied once to every string we
emit (log fields, hints, headers we add, annotated bodies, the stored flow). Known secrets are
matched in every encoding a client or upstream may write them in (JSON escapes, percent
encoding), then key-shaped strings (`shapes.py`); our own short
outputs are also checked for any 8-character window of a known key (an upstream's partial
echo). Redaction fails closed: a value it cannot finish is replaced whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from authlens.secrets.fingerprint import fingerprint_key, kind_prefix
from authlens.secrets.places import (
    COOKIE_HEADERS,
    ID_HEADERS,
    KEY_HEADERS,
    TOKEN_HEADERS,
    is_secret_field,
    is_secret_header,
)
from authlens.secrets.shapes import (
    HEX32_TEXT,
    PREFIX_BYTES,
    may_change,
    replace_auth_params,
    replace_masked_echoes,
    replace_shapes,
    replace_shapes_bytes,
)
from authlens.secrets.text import to_bytes

REDACTED = "[REDACTED]"
SHORTEST_SECRET = 8  # shorter values are never redacted as secrets (too many false hits)
WINDOW = 8  # contract section 6: no 8 consecutive characters of a key beyond its prefix
_MAX_WINDOW_SCAN = 4096  # window checks run on our own short outputs, not on bodies
_MAX_SECRETS = 64  # a request with 20,000 cookies must not build a 20,000-way regex

# Runs of key characters inside a credential as sent (the key in "Bearer 'sk-...'\xa0").
KEY_CHARACTERS = r"[A-Za-z0-9_\-+/=.~]"  # what a credential as sent is made of (a class)
_KEYLIKE_RUN = re.compile(KEY_CHARACTERS + "{12,4096}")
_WINDOW_RUN = re.compile(KEY_CHARACTERS + "{8,}")  # where a window of such a key can be
_WRAPPING = " \t\r\n\"'`\xa0\u200b\u200c\u200d\u2060\ufeff"

_DIGIT = re.compile(r"[0-9]")
_LETTER = re.compile(r"[A-Za-z]")


def _is_keylike(run: str) -> bool:
    return bool(_DIGIT.search(run) and _LETTER.search(run))


# Characters every encoding below leaves as they are: a key made of them is its own encoding.
_ENCODING_SAFE = re.compile(r"[A-Za-z0-9_.~-]+")


def _encodings(secret: str) -> set[str]:
    """`secret` as JSON (escaped, with `\\/`), percent- and form-encoded."""
    if _ENCODING_SAFE.fullmatch(secret):
        return {secret}  # the common case (a key): JSON and percent forms are the same text
    forms = {secret}
    escaped = json.dumps(secret)[1:-1]
    forms |= {escaped, escaped.replace("/", "\\/"), json.dumps(secret, ensure_ascii=False)[1:-1]}
    raw = to_bytes(secret)
    forms |= {quote(raw, safe=""), quote_plus(raw, safe=""), quote(raw, safe="").lower()}
    return {f for f in forms if len(f) >= SHORTEST_SECRET}


class Redactor:
    """Redaction for one exchange: its known secrets (in every encoding) and every key shape."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        cores: dict[str, None] = {}
        for secret in secrets:
            if len(cores) >= _MAX_SECRETS:
                break
            if len(secret) < SHORTEST_SECRET:
                continue
            cores[secret] = None
            stripped = secret.strip(_WRAPPING)
            if len(stripped) >= SHORTEST_SECRET:
                cores[stripped] = None
            for run in _KEYLIKE_RUN.findall(secret):
                if _is_keylike(run):
                    cores[run] = None
        self.secrets = tuple(cores)
        # Each encoded form maps to the fingerprint of the secret it encodes.
        self.fingerprints: dict[str, str] = {}
        self._shown: dict[str, str] = {}  # each secret's own fingerprint (`header` reuses it)
        for core in self.secrets:
            shown = self._shown[core] = fingerprint_key(core)
            for form in _encodings(core):
                self.fingerprints.setdefault(form, shown)
        # Longest first, so a secret is replaced whole before any part of it. Plain substring
        # search, not a regex of the secrets: `re` caches compiled patterns (and so the keys
        # they spell) for the life of the process.
        self._known = sorted(self.fingerprints.items(), key=lambda kv: len(kv[0]), reverse=True)
        self._known_bytes = [(to_bytes(k), v.encode()) for k, v in self._known]
        self._cores: tuple[tuple[str, int], ...] | None = None  # built on first use

    @property
    def _window_cores(self) -> tuple[tuple[str, int], ...]:
        """(core, first index a window may start at) of each known secret made of key
        characters: a window must reach beyond the kind prefix (contract section 6)."""
        if self._cores is None:
            self._cores = tuple(
                (core, max(0, len(kind_prefix(core)) - WINDOW + 1))
                for core in self.secrets
                if _KEYLIKE_RUN.fullmatch(core) and _is_keylike(core)
            )
        return self._cores

    def _echo_starts(self, text: str, *, first: bool = False) -> list[int]:
        """Where in `text` an 8-character window of a known key begins (all, or the first).

        A window is made of key characters, so only runs of them are walked; each window is
        looked up in the keys by substring search (no table of windows is built per exchange,
        and a fingerprint's "..." ends every run it is in before its last 4).
        """
        starts: list[int] = []
        cores = self._window_cores
        if not cores:
            return starts
        for run in _WINDOW_RUN.finditer(text):
            for i in range(run.start(), run.end() - WINDOW + 1):
                window = text[i : i + WINDOW]
                for core, lowest in cores:
                    if core.find(window, lowest) >= 0:
                        starts.append(i)
                        if first:
                            return starts
                        break
        return starts

    def _may_echo(self, text: str) -> bool:
        """Whether `text` holds any 8 characters of a known key beyond its prefix."""
        return bool(self._echo_starts(text, first=True))

    # -- text we emit --------------------------------------------------------------------

    def text(self, text: str, *, auth_params: bool = True, partial: bool = False) -> str:
        """`text` with every known secret and key-shaped string replaced by a fingerprint.

        `auth_params` also replaces any value after `Bearer`/`Basic`/`token`; upstream
        messages we pass on keep their wording ("Bearer YOUR_KEY") by turning it off.
        `partial` also cuts any 8 characters of a known key (a partial echo an upstream
        quoted): for hints and the messages we annotate, which quote upstream text.
        """
        try:
            if len(text) < SHORTEST_SECRET:
                return text
            for form, shown in self._known:
                if form in text:
                    text = text.replace(form, shown)
            text = replace_shapes(text)
            if auth_params:
                text = replace_auth_params(text)
            text = replace_masked_echoes(text)
            if partial and self.secrets and len(text) <= _MAX_WINDOW_SCAN:
                text = self._cut_windows(text)
            return text
        except Exception:
            return REDACTED

    def _cut_windows(self, text: str) -> str:
        """Any 8 characters of a known key left (a partial echo) are replaced, each run of
        cut characters by one [REDACTED]."""
        spans: list[list[int]] = []
        for i in self._echo_starts(text):
            if spans and spans[-1][1] >= i:
                spans[-1][1] = i + WINDOW
            else:
                spans.append([i, i + WINDOW])
        for start, end in reversed(spans):
            text = f"{text[:start]}{REDACTED}{text[end:]}"
        return text

    def leaves_alone(self, texts: Iterable[str], *, partial: bool = False) -> bool:
        """True only if `text` (with `partial`) would change none of `texts`: one look at
        them joined by newlines (no shape, auth word or window spans a newline unseen)."""
        joined = "\n".join(texts)
        return not self.touches(joined) and not (
            partial and self.secrets and self._may_echo(joined)
        )

    def touches(self, text: str) -> bool:
        """Whether `text(text)` could change `text`: one cheap look for all its passes.

        Lets a caller check many values joined by newlines at once (a log line's fields,
        a request's headers) and redact one by one only when something is there.
        """
        return any(form in text for form, _ in self._known) or may_change(text)

    def header(self, name: str, value: str) -> str:
        """The value of request header `name` as authlens may show or store it."""
        try:
            lname = name.lower()
            if lname in TOKEN_HEADERS:
                scheme, token = _split_scheme(value)
                shown = self.fingerprint(token) if token else ""
                return f"{scheme} {shown}".strip()
            if lname in KEY_HEADERS:
                return self.fingerprint(value)
            if lname in COOKIE_HEADERS:
                return _redact_cookie(value, set_cookie=lname == "set-cookie")
            if lname in ID_HEADERS:
                return self.text(shown_id(value))
            if is_secret_header(lname) and len(value) >= SHORTEST_SECRET:
                return fingerprint_key(value)
            return self.text(value)
        except Exception:
            return REDACTED

    def fingerprint(self, value: str) -> str:
        """`fingerprint_key(value)`, computed once per exchange for a secret it carried."""
        shown = self._shown.get(value)
        return shown if shown is not None else fingerprint_key(value)

    def path(self, path: str) -> str:
        """A request path without secrets: query and `;matrix` parameters by name, then text."""
        try:
            base, sep, query = path.partition("?")
            if ";" in base:
                base = ";".join(_redact_pair(p) for p in base.split(";"))
            if sep:
                base = f"{base}?{'&'.join(_redact_pair(p) for p in query.split('&'))}"
            return self.text(base)
        except Exception:
            return REDACTED

    # -- bodies --------------------------------------------------------------------------

    def scrub_bytes(self, data: bytes) -> bytes:
        """`data` with known secrets (any encoding) and key shapes replaced.

        A C substring search per encoded secret, then one regex pass for the shapes.
        """
        for form, shown in self._known_bytes:
            if form in data:
                data = data.replace(form, shown)
        return replace_shapes_bytes(data)

    def may_hold(self, data: bytes) -> bool:
        """A fast literal check: whether `data` may hold a known secret or a key prefix."""
        return any(k in data for k, _ in self._known_bytes) or any(p in data for p in PREFIX_BYTES)


_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9_-]{0,15}[:=]?)\s+(.*)", re.S)


def _split_scheme(value: str) -> tuple[str, str]:
    """(scheme, token) of a "<scheme> <token>" header: the scheme is the word before the first
    run of whitespace (RFC 9110 section 11.4); without one, the whole value is the token."""
    match = _SCHEME.fullmatch(value)
    if match is None:
        return "", value.strip()
    return match.group(1), match.group(2).strip()


def _redact_pair(pair: str) -> str:
    name, eq, _ = pair.partition("=")
    return f"{name}={quote(REDACTED)}" if eq and is_secret_field(name) else pair


def _redact_cookie(value: str, *, set_cookie: bool) -> str:
    """Cookie names stay, values go; Set-Cookie attributes after the first pair stay."""
    parts = value.split(";")
    pairs = parts[:1] if set_cookie else parts
    redacted = [f"{p.partition('=')[0]}={REDACTED}" if "=" in p else REDACTED for p in pairs]
    return ";".join(redacted + (parts[1:] if set_cookie else []))


_ORG_ID = re.compile(r"(?:org|proj)[-_][A-Za-z0-9]{1,64}")


def shown_id(value: str) -> str:
    """An OpenAI-Organization / OpenAI-Project value, fingerprinted unless it looks like an id."""
    if _ORG_ID.fullmatch(value):
        return value
    if len(value) <= 40 and kind_prefix(value) == "" and not HEX32_TEXT.search(value):
        return value
    return fingerprint_key(value)


PLAIN = Redactor()  # key shapes only: for text no exchange's secrets are known for


def _redactor(secrets: Iterable[str]) -> Redactor:
    secrets = tuple(secrets)
    return Redactor(secrets) if secrets else PLAIN


def redact_text(text: str, secrets: Iterable[str] = (), *, auth_params: bool = True) -> str:
    """One value redacted with `secrets` (build a `Redactor` to redact several)."""
    return _redactor(secrets).text(text, auth_params=auth_params)


def redact_header(name: str, value: str) -> str:
    """The value of header `name` as authlens may show it."""
    return PLAIN.header(name, value)


def redact_path(path: str, secrets: Iterable[str] = ()) -> str:
    """A request path whose key-like query and matrix parameters have their values removed."""
    return _redactor(secrets).path(path)
