"""Credentials for the real-report set, generated at test time from the templates in
`real_reports.json` (never copied from a thread, never written out in the repository).

A header value in the set is either plain text (no secret) or an object:
`{"template": "Bearer {key}", "key": {"kind": "proj"}}`. `key` is `{"kind": ...}` (random
characters of that shape, optionally `"cut": n` to keep the first n) or `{"literal": "..."}` for
a non-secret placeholder the thread shows (`no-token`, `NA`). Each run draws new random
characters; the seed is printed so a failure can be replayed (`REAL_REPORTS_SEED`).
"""

from __future__ import annotations

import base64
import json
import os
import random
import secrets
import string
import uuid
from collections.abc import Callable
from typing import Any

ALNUM = string.ascii_letters + string.digits
KEY_CHARS = ALNUM + "_-"
HEX = "0123456789abcdef"
MARKER = "T3Blbk" + "FJ"  # base64 of "OpenAI": built here so no key-shaped literal is stored
NOW = 1_750_000_000.0  # the exchanges' clock: 2025-06-15 15:06:40 UTC
# OpenAI echoes short values unmasked (https://github.com/anse-app/chatgpt-demo/issues/297).
_SHOWN_IN_FULL_BELOW = 20


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


class KeyMaker:
    """Random credentials of the shapes the set names, from one seeded generator."""

    def __init__(self, seed: int | None = None) -> None:
        env = os.environ.get("REAL_REPORTS_SEED")
        self.seed = seed if seed is not None else int(env) if env else secrets.randbits(32)
        self._rng = random.Random(self.seed)
        self.generated: list[tuple[str, str]] = []  # (prefix, secret) for leak checks

    def chars(self, n: int, alphabet: str = KEY_CHARS) -> str:
        return "".join(self._rng.choice(alphabet) for _ in range(n))

    def _entra(self, spec: dict[str, Any]) -> str:
        tenant = str(uuid.UUID(int=self._rng.getrandbits(128)))
        claims = {
            "aud": spec.get("aud", "https://cognitiveservices.azure.com"),
            "iss": f"https://sts.windows.net/{tenant}/",
            "iat": int(NOW) - 600,
            "exp": int(NOW) + int(spec.get("expires_in", 3600)),
            "tid": tenant,
            "oid": str(uuid.UUID(int=self._rng.getrandbits(128))),
        }
        header = {"alg": "RS256", "typ": "JWT", "kid": self.chars(27, ALNUM)}
        return f"{_b64(header)}.{_b64(claims)}.{self.chars(342)}"

    def make(self, spec: dict[str, Any]) -> str:
        """The credential for one key spec; a generated one is remembered for leak checks."""
        if "literal" in spec:
            return str(spec["literal"])
        kind = spec["kind"]
        if kind == "entra":
            value, prefix = self._entra(spec), "eyJ"
        else:
            build, prefix = _KINDS[kind]
            value = build(self)
        if "cut" in spec:
            value = value[: int(spec["cut"])]
        self.generated.append((prefix, value))
        return value


# kind -> (builder, the non-secret prefix a fingerprint may show)
_KINDS: dict[str, tuple[Callable[[KeyMaker], str], str]] = {
    "proj": (lambda k: "sk-proj-" + k.chars(74) + MARKER + k.chars(74), "sk-proj-"),
    "legacy": (lambda k: "sk-" + k.chars(20, ALNUM) + MARKER + k.chars(20, ALNUM), "sk-"),
    "svcacct": (lambda k: "sk-svcacct-" + k.chars(74) + MARKER + k.chars(74), "sk-svcacct-"),
    "admin": (lambda k: "sk-admin-" + k.chars(58) + MARKER + k.chars(58), "sk-admin-"),
    # one-api / chatanywhere style relay keys: sk- and 48 alphanumerics, no OpenAI marker
    "relay": (lambda k: "sk-" + k.chars(48, ALNUM), "sk-"),
    "dashscope": (lambda k: "sk-" + k.chars(32, HEX), "sk-"),
    "deepseek": (lambda k: "sk-" + k.chars(32, HEX), "sk-"),
    "xai": (lambda k: "xai-" + k.chars(80, ALNUM), "xai-"),
    "anthropic": (lambda k: "sk-ant-api03-" + k.chars(93) + "AA", "sk-ant-api03-"),
    "openrouter": (lambda k: "sk-or-v1-" + k.chars(64, HEX), "sk-or-v1-"),
    "azure32": (lambda k: k.chars(32, HEX), ""),
    "azure84": (lambda k: k.chars(76, ALNUM) + "JQQJ" + k.chars(4, ALNUM), ""),
}

KINDS = frozenset({*_KINDS, "entra"})


def header_value(value: str | dict[str, Any], keys: KeyMaker) -> str:
    """A request header as the client sends it: plain text, or a template around a key."""
    if isinstance(value, str):
        return value
    return str(value.get("template", "{key}")).replace("{key}", keys.make(value["key"]))


def openai_echo(value: str) -> str:
    """How OpenAI shows a rejected credential: first 8, stars, last 4, same length."""
    if len(value) < _SHOWN_IN_FULL_BELOW:
        return value
    return value[:8] + "*" * (len(value) - 12) + value[-4:]


def token_of(authorization: str) -> str:
    """What the upstream reads as the token: everything after the scheme word."""
    scheme, _, rest = authorization.partition(" ")
    return rest if scheme.isalpha() and rest else authorization
