"""Synthetic credentials of every format the classifier knows, built in code, never real.

Bodies are seeded pseudo-random so tables are stable; `secret_runs` finds the random material
in any value, so hint tests can check that none of it leaks.
"""

from __future__ import annotations

import random
import re
import string

ALNUM = string.ascii_letters + string.digits
KEY_CHARS = ALNUM + "_-"
HEX = "0123456789abcdef"
MARKER = "T3Blbk" + "FJ"  # base64 of "OpenAI"


def body(n: int, seed: int = 0, alphabet: str = ALNUM) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


def legacy_key(seed: int = 0) -> str:
    return "sk-" + body(20, seed) + MARKER + body(20, seed + 1)


def project_key(seed: int = 0, half: int = 74) -> str:
    return "sk-proj-" + body(half, seed, KEY_CHARS) + MARKER + body(half, seed + 1, KEY_CHARS)


def svcacct_key(seed: int = 0) -> str:
    return "sk-svcacct-" + body(74, seed, KEY_CHARS) + MARKER + body(74, seed + 1, KEY_CHARS)


def admin_key(seed: int = 0) -> str:
    return "sk-admin-" + body(58, seed, KEY_CHARS) + MARKER + body(58, seed + 1, KEY_CHARS)


def none_key(seed: int = 0) -> str:
    return "sk-None-" + body(48, seed)


def early_project_key(seed: int = 0) -> str:
    return "sk-proj-" + body(48, seed, KEY_CHARS)


def relay_key(seed: int = 0) -> str:
    """A one-api / chatanywhere style `sk-` key: 48 alphanumerics, no OpenAI marker."""
    return "sk-" + body(48, seed)


def deepseek_key(seed: int = 0) -> str:
    return "sk-" + body(32, seed, HEX)


def azure_hex_key(seed: int = 0) -> str:
    return body(32, seed, HEX)


def azure_long_key(seed: int = 0) -> str:
    """The 84-character Azure AI services format."""
    return body(76, seed, ALNUM + "+/") + "JQQJ" + body(4, seed + 1, ALNUM)


def anthropic_key(seed: int = 0) -> str:
    return "sk-ant-api03-" + body(93, seed, KEY_CHARS) + "AA"


def google_key(seed: int = 0) -> str:
    return "AIzaSy" + body(33, seed, KEY_CHARS)


def groq_key(seed: int = 0) -> str:
    return "gsk_" + body(52, seed)


def openrouter_key(seed: int = 0) -> str:
    return "sk-or-v1-" + body(64, seed, HEX)


def xai_key(seed: int = 0) -> str:
    return "xai-" + body(80, seed)


def huggingface_key(seed: int = 0) -> str:
    return "hf_" + body(34, seed)


def perplexity_key(seed: int = 0) -> str:
    return "pplx-" + body(48, seed)


def session_key(seed: int = 0, n: int = 40) -> str:
    return "sess-" + body(n, seed)


def jwt(seed: int = 0) -> str:
    return (
        "eyJ"
        + body(30, seed, KEY_CHARS)
        + ".eyJ"
        + body(60, seed + 1, KEY_CHARS)
        + "."
        + body(43, seed + 2, KEY_CHARS)
    )


def org_id(seed: int = 0) -> str:
    return "org-" + body(24, seed)


def project_id(seed: int = 0) -> str:
    return "proj_" + body(24, seed)


_RANDOM_RUN = re.compile(r"[A-Za-z0-9+/]{12,}")


def secret_runs(value: str) -> list[str]:
    """Runs of 12+ key characters that mix letters and digits: the random part of a value."""
    return [
        run
        for run in _RANDOM_RUN.findall(value)
        if any(c.isdigit() for c in run) and any(c.isalpha() for c in run)
    ]


def leaked_windows(text: str, value: str, size: int = 8) -> set[str]:
    """Every `size`-character window of `value`'s random material that appears in `text`."""
    found = set()
    for run in secret_runs(value):
        for i in range(len(run) - size + 1):
            if run[i : i + size] in text:
                found.add(run[i : i + size])
    return found
