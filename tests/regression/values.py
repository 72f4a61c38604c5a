"""Named credential values for the regression cases, built in code (never real keys).

`cases.json` refers to them as `@@name@@`; `@@echo:name@@` is OpenAI's masked echo of a value
(first 8, stars, last 4: https://github.com/chatanywhere/GPT_API_free/issues/62) and
`@@dotted:name@@` the Realtime API's `sk-proj-...last4`.
"""

from __future__ import annotations

import base64
import re

from tests.keyfactory import admin_key, body, legacy_key, project_key

_HEX = "0123456789abcdef"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_MARKER = "T3Blbk" + "FJ"
_SHOWN_IN_FULL_BELOW = 20


def _jwt(seed: int) -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').decode().rstrip("=")
    claims = base64.urlsafe_b64encode(
        b'{"aud":"https://cognitiveservices.azure.com","exp":1700000000}'
    ).decode()
    return f"{header}.{claims.rstrip('=')}.{body(86, seed)}"


def _oidc_token(seed: int) -> str:
    """A GitHub Actions OIDC token (workload identity federation's subject), expired in 2023."""
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').decode().rstrip("=")
    claims = base64.urlsafe_b64encode(
        b'{"iss":"https://token.actions.githubusercontent.com","aud":"openai",'
        b'"sub":"repo:acme/app:ref:refs/heads/main","exp":1700000000}'
    ).decode()
    return f"{header}.{claims.rstrip('=')}.{body(86, seed)}"


def _values() -> dict[str, str]:
    project = project_key(1)
    return {
        "project_key": project,
        "project_key_2": project_key(2),
        "legacy_key": legacy_key(3),
        "admin_key": admin_key(4),
        "svcacct_key": "sk-svcacct-" + body(74, 5) + _MARKER + body(74, 6),
        "none_key": "sk-None-" + body(48, 7, _ALNUM),
        "anthropic_key": "sk-ant-api03-" + body(93, 8) + "AA",
        "openrouter_key": "sk-or-v1-" + body(64, 9, _HEX),
        "groq_key": "gsk_" + body(52, 10, _ALNUM),
        "google_key": "AIza" + "Sy" + body(33, 11),
        "deepseek_key": "sk-" + body(32, 12, _HEX),
        "azure_key": body(32, 13, _HEX),
        "azure_key_84": body(76, 14, _ALNUM) + "JQQJ" + body(4, 15, _ALNUM),
        "mistral_key": body(32, 16, _ALNUM),
        "session_key": "sess-" + body(40, 17, _ALNUM),
        "entra_token": _jwt(18),
        "github_oidc_token": _oidc_token(21),
        "quoted_project_key": f'"{project}"',
        "smart_quoted_project_key": f"\u201c{project}\u201d",
        "braced_project_key": "${" + project + "}",
        "label_project_key": f"OPENAI_API_KEY={project}",
        "yaml_label_project_key": f"apiKey: {project}",
        "escaped_newline_project_key": project + "\\n",
        "spaced_project_key": project[:40] + " " + project[40:],
        "zwsp_project_key": project[:30] + "\u200b" + project[30:],
        "truncated_project_key": project[:38],
        "masked_project_key": "sk-proj-..." + project[-4:],
        "bearer_project_key": "Bearer " + project,
        "url_key": "https://api.openai.com/v1/" + body(40, 19, _ALNUM),
        "random_token": body(16, 20, _ALNUM),
        # Same first 8 and last 4 as legacy_key, 10 characters longer.
        "legacy_key_stretched": legacy_key(3)[:8] + "x" * 10 + legacy_key(3)[8:],
        "dollar_brace_variable": "${OPENAI_API_KEY}",
        "windows_variable": "%OPENAI_API_KEY%",
        "process_env": "process.env.OPENAI_API_KEY",
    }


VALUES = _values()
_REF = re.compile(r"@@(?:(echo|dotted):)?([a-z0-9_]+)@@")


def openai_echo(value: str) -> str:
    """How OpenAI shows a rejected credential: first 8, stars, last 4, same length."""
    if len(value) < _SHOWN_IN_FULL_BELOW:
        return value
    return value[:8] + "*" * (len(value) - 12) + value[-4:]


def _expand(match: re.Match[str]) -> str:
    form, name = match.group(1), match.group(2)
    value = VALUES[name]
    if form == "echo":
        return openai_echo(value)
    if form == "dotted":
        return "sk-proj-..." + value[-4:]
    return value


def expand(text: str) -> str:
    """`text` with every `@@name@@`, `@@echo:name@@` and `@@dotted:name@@` replaced."""
    return _REF.sub(_expand, text)
