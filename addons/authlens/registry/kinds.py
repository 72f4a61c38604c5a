"""Key kinds: the exact shape of every credential format authlens knows.

A kind is a literal prefix, a body alphabet and the body's layouts: its length and where a
fixed marker sits in it. OpenAI's current keys carry `T3BlbkFJ` (base64 of "OpenAI") between
two random halves of equal length; a cut key, a key pasted twice or a relay's look-alike
all show in that layout. Every pattern here is derived from these fields, so the shape the
classifier judges, the pattern redaction matches and the keys tests generate cannot drift.

Sources (public): gitleaks rules https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/openai.go
and https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml, trufflehog detectors
https://github.com/trufflesecurity/trufflehog/tree/main/pkg/detectors, kingfisher rules
https://github.com/mongodb/kingfisher/tree/main/crates/kingfisher-rules/data/rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ALNUM = "A-Za-z0-9"
URLSAFE = "A-Za-z0-9_-"
HEX = "0-9a-f"
BASE64 = "A-Za-z0-9+/"
# base64 of "OpenAI"; built in two pieces so no file spells a key-shaped literal.
OPENAI_MARKER = "T3Blbk" + "FJ"


@dataclass(frozen=True, slots=True)
class Layout:
    """One body of a kind: `length` characters, with the kind's marker at `marker_at`."""

    length: int
    marker_at: int | None = None


@dataclass(frozen=True, slots=True)
class KeyKind:
    """A credential format. `providers` issue it (the first names it in hints)."""

    name: str
    providers: tuple[str, ...]
    prefix: str
    alphabet: str = URLSAFE  # a regex character class body
    layouts: tuple[Layout, ...] = ()
    span: tuple[int, int] | None = None  # an open range of body lengths, when not exact
    marker: str = ""
    suffix: str = ""  # a fixed ending of the body (Anthropic's "AA")
    exact: str = ""  # a fixed value (a placeholder an SDK sends)
    body_regex: str = ""  # when the layouts cannot say it (kingfisher's Azure rule)
    claims: bool = True  # False: too generic (32 alphanumerics) to name an owner by shape
    source: str = ""
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(self.regex()))

    @property
    def provider(self) -> str:
        return self.providers[0]

    def chars(self) -> str:
        """The alphabet as a string of characters (for generators and shape checks)."""
        return expand(self.alphabet)

    def body_alternatives(self) -> list[str]:
        cls = f"[{self.alphabet}]"
        parts: list[str] = []
        for layout in self.layouts:
            if layout.marker_at is None:
                parts.append(f"{cls}{{{layout.length - len(self.suffix)}}}{re.escape(self.suffix)}")
            else:
                after = layout.length - layout.marker_at - len(self.marker)
                parts.append(f"{cls}{{{layout.marker_at}}}{re.escape(self.marker)}{cls}{{{after}}}")
        if self.span is not None:
            # A span never holds the marker: a marked body must fit a layout exactly.
            char = f"(?:(?!{re.escape(self.marker)}){cls})" if self.marker else cls
            parts.append(f"{char}{{{self.span[0]},{self.span[1]}}}{re.escape(self.suffix)}")
        if self.body_regex:
            parts.append(self.body_regex)
        return parts

    def regex(self) -> str:
        if self.exact:
            return re.escape(self.exact)
        return f"{re.escape(self.prefix)}(?:{'|'.join(self.body_alternatives())})"

    def halves(self) -> frozenset[int]:
        """Marker offsets of the layouts whose halves around the marker are equal."""
        return frozenset(
            lay.marker_at
            for lay in self.layouts
            if lay.marker_at is not None
            and lay.marker_at == lay.length - lay.marker_at - len(self.marker)
        )


def expand(alphabet: str) -> str:
    """`A-Za-z0-9_-` as its characters."""
    out: list[str] = []
    i = 0
    while i < len(alphabet):
        if i + 2 < len(alphabet) and alphabet[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(alphabet[i]), ord(alphabet[i + 2]) + 1))
            i += 3
        else:
            out.append(alphabet[i])
            i += 1
    return "".join(out)


_OPENAI_LAYOUTS = (Layout(156, 74), Layout(124, 58))
_GITLEAKS_OPENAI = (
    "https://github.com/gitleaks/gitleaks/blob/master/cmd/generate/config/rules/openai.go"
)
_KINGFISHER_OPENAI = (
    "https://github.com/mongodb/kingfisher/blob/main/crates/kingfisher-rules/data/rules/openai.yml"
)


def _openai(name: str, prefix: str, *extra: Layout, span: tuple[int, int] | None = None) -> KeyKind:
    return KeyKind(
        name,
        ("openai",),
        prefix,
        layouts=(*_OPENAI_LAYOUTS, *extra),
        span=span,
        marker=OPENAI_MARKER,
        source=_GITLEAKS_OPENAI,
    )


# Exact values first, then the longest prefixes: the first kind whose pattern matches wins.
KINDS: tuple[KeyKind, ...] = (
    # openai-python's workload identity federation: the SDK sends this instead of a key until
    # its token exchange replaces it (https://github.com/openai/openai-python, `workload_identity`).
    KeyKind("openai_workload_placeholder", ("openai",), "", exact="workload-identity-auth"),
    KeyKind(
        "anthropic_admin",
        ("anthropic",),
        "sk-ant-admin01-",
        layouts=(Layout(95),),
        suffix="AA",
        source="https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml",
    ),
    KeyKind(
        "anthropic",
        ("anthropic",),
        "sk-ant-api03-",
        layouts=(Layout(95),),
        suffix="AA",
        source="https://github.com/trufflesecurity/trufflehog/blob/main/pkg/detectors/anthropic/anthropic.go",
    ),
    # OAuth / setup tokens (https://github.com/BerriAI/litellm/pull/21039).
    KeyKind("anthropic_oauth", ("anthropic",), "sk-ant-oat01-", span=(60, 120)),
    KeyKind("anthropic_other", ("anthropic",), "sk-ant-", span=(40, 200)),
    KeyKind(
        "openrouter",
        ("openrouter",),
        "sk-or-v1-",
        HEX,
        (Layout(64),),
        source="https://github.com/trufflesecurity/trufflehog/blob/main/pkg/detectors/openrouter/openrouter.go",
    ),
    _openai("openai_admin", "sk-admin-"),
    _openai("openai_service_account", "sk-svcacct-"),
    # trufflehog's generic rule: `sk-service-<account name>-...T3BlbkFJ...`.
    KeyKind(
        "openai_service_account_named",
        ("openai",),
        "sk-service-",
        body_regex=f"[{URLSAFE}]{{20,200}}{OPENAI_MARKER}[{URLSAFE}]{{20,200}}",
        marker=OPENAI_MARKER,
        source="https://github.com/trufflesecurity/trufflehog/blob/main/pkg/detectors/openai/openai.go",
    ),
    # Early (2024) project keys had 48 characters and no marker; kingfisher accepts 100+.
    _openai("openai_project", "sk-proj-", Layout(48), span=(100, 400)),
    _openai("openai_user", "sk-None-", Layout(48), span=(100, 400)),
    # DeepSeek and Alibaba DashScope keys: `sk-` + 32 hex (kingfisher deepseek.yml).
    KeyKind(
        "deepseek",
        ("deepseek", "dashscope"),
        "sk-",
        HEX,
        (Layout(32),),
        source="https://github.com/mongodb/kingfisher/blob/main/crates/kingfisher-rules/data/rules/deepseek.yml",
    ),
    KeyKind(
        "openai_legacy",
        ("openai",),
        "sk-",
        ALNUM,
        (Layout(48, 20), Layout(92)),
        marker=OPENAI_MARKER,
        source=_GITLEAKS_OPENAI,
    ),
    # one-api / new-api style relays mint `sk-` + 48 alphanumerics without the marker
    # (https://github.com/songquanpeng/one-api, https://github.com/chatanywhere/GPT_API_free).
    KeyKind("relay", ("relay",), "sk-", ALNUM, (Layout(48),)),
    # LiteLLM virtual keys: "sk-" + secrets.token_urlsafe(16)
    # (https://docs.litellm.ai/docs/proxy/virtual_keys).
    KeyKind("litellm_virtual", ("litellm",), "sk-", URLSAFE, (Layout(22),)),
    # Realtime API ephemeral client secrets, minted for browsers and sent as Bearer: 32 hex
    # digits in the reference's example (`ek_68af296e...`), other lengths accepted
    # (https://platform.openai.com/docs/api-reference/realtime-client-secrets).
    KeyKind("openai_ephemeral", ("openai",), "ek_", layouts=(Layout(32),), span=(16, 200)),
    KeyKind(
        "chatgpt_session", ("chatgpt",), "sess-", ALNUM, (Layout(40),), source=_KINGFISHER_OPENAI
    ),
    KeyKind(
        "google",
        ("google",),
        "AIza",
        layouts=(Layout(35),),
        source="https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml",
    ),
    KeyKind(
        "groq",
        ("groq",),
        "gsk_",
        ALNUM,
        (Layout(52),),
        source="https://github.com/trufflesecurity/trufflehog/blob/main/pkg/detectors/groq/groq.go",
    ),
    KeyKind(
        "xai",
        ("xai",),
        "xai-",
        "A-Za-z0-9_",
        (Layout(80),),
        source="https://github.com/trufflesecurity/trufflehog/blob/main/pkg/detectors/xai/xai.go",
    ),
    KeyKind(
        "huggingface",
        ("huggingface",),
        "hf_",
        ALNUM,
        (Layout(34),),
        source="https://github.com/trufflesecurity/trufflehog/blob/main/pkg/detectors/huggingface/huggingface.go",
    ),
    KeyKind("huggingface_org", ("huggingface",), "api_org_", ALNUM, (Layout(34),)),
    KeyKind(
        "perplexity",
        ("perplexity",),
        "pplx-",
        ALNUM,
        (Layout(48),),
        source="https://github.com/gitleaks/gitleaks/blob/master/config/gitleaks.toml",
    ),
    # GitHub tokens, which GitHub Models accepts
    # (https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/).
    KeyKind("github_pat", ("github",), "github_pat_", ALNUM, (Layout(82, 22),), marker="_"),
    KeyKind("github_classic", ("github",), "ghp_", ALNUM, (Layout(36),)),
    KeyKind("github_oauth", ("github",), "gho_", ALNUM, (Layout(36),)),
    # Azure OpenAI resource keys: 32 hex, or the 84-character AI services format
    # (https://github.com/mongodb/kingfisher/blob/main/crates/kingfisher-rules/data/rules/azureopenai.yml).
    KeyKind("azure_hex", ("azure",), "", HEX, (Layout(32),)),
    KeyKind(
        "azure_84",
        ("azure",),
        "",
        BASE64,
        (Layout(84, 76),),
        marker="JQQJ",
        body_regex=f"[{BASE64}]{{60,100}}(?:JQQJ|AAAB|ACOGk)[{BASE64}=]{{0,30}}",
    ),
    # Mistral keys: 32 alphanumerics, no prefix: only their own host can tell.
    KeyKind("mistral", ("mistral",), "", ALNUM, (Layout(32),), claims=False),
    # A JWT: Entra ID tokens (Azure), OpenAI workload identity tokens; the issuer tells whose.
    KeyKind(
        "jwt",
        ("jwt",),
        "eyJ",
        body_regex=f"[{URLSAFE}]{{8,4096}}\\.[{URLSAFE}]{{8,4096}}\\.[{URLSAFE}]{{0,4096}}",
        claims=False,
    ),
)
