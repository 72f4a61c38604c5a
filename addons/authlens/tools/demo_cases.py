"""The broken requests `authlens demo` sends, and the clients that send them.

Each case is a mistake people really make (each reported in a public issue, linked from
tests/data/openai_auth_corpus.json): no key, a quoted key, a placeholder, another provider's
key, the wrong organization, a key revoked after it worked.
They are sent with the official openai SDK when it is installed (a dev dependency), else with
urllib, and the outcome is what the application sees: the exception's text.
"""

from __future__ import annotations

import base64
import hashlib
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

_MARKER = "T3Blbk" + "FJ"  # base64 of "OpenAI", in every current OpenAI key
GOOD_ORGANIZATION = "org-fakeorganization0001"  # the fake's default organization


def synthetic(tag: str, length: int) -> str:
    """`length` key characters derived from `tag`: key-shaped, never a real key."""
    out = ""
    seed = tag.encode()
    while len(out) < length:
        seed = hashlib.sha512(seed).digest()
        out += base64.urlsafe_b64encode(seed).decode().rstrip("=")
    return out[:length]


def demo_key(tag: str) -> str:
    """A 164-character sk-proj- key shape, made up from `tag`."""
    return f"sk-proj-{synthetic(tag + 'a', 74)}{_MARKER}{synthetic(tag + 'b', 74)}"


def anthropic_key(tag: str) -> str:
    return f"sk-ant-api03-{synthetic(tag, 93)}AA"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the application saw: a status (None when nothing came back) and the text."""

    status: int | None
    text: str
    cause: str | None = None  # X-Authlens-Cause, when the proxy added it
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class Call:
    """One API call: which key (None: no Authorization header), organization, endpoint."""

    key: str | None
    organization: str | None = None
    chat: bool = False


def _authlens(headers: Any) -> tuple[str | None, str | None]:
    return headers.get("x-authlens-cause"), headers.get("x-authlens-hint")


def call_with_sdk(base_url: str, call: Call) -> Outcome:
    """The call through `openai.OpenAI`, as an application makes it."""
    import openai  # noqa: PLC0415  # optional: a dev dependency, not a runtime one

    client = openai.OpenAI(
        api_key=call.key,
        organization=call.organization,
        base_url=base_url,
        max_retries=0,
        timeout=15.0,
    )
    try:
        if call.chat:
            reply = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}]
            )
            return Outcome(200, f"reply: {reply.choices[0].message.content}")
        models = client.models.list()
        return Outcome(200, f"models: {', '.join(m.id for m in models.data)}")
    except openai.APIStatusError as e:
        return Outcome(
            e.status_code, f"openai.{type(e).__name__}: {e}", *_authlens(e.response.headers)
        )
    except openai.OpenAIError as e:
        return Outcome(None, f"openai.{type(e).__name__}: {e}")


def call_with_urllib(base_url: str, call: Call) -> Outcome:
    """The same call as a plain HTTP request (no SDK installed, or no key to give one)."""
    headers = {"content-type": "application/json", "user-agent": "authlens-demo (urllib)"}
    if call.key is not None:
        headers["authorization"] = f"Bearer {call.key}"
    if call.organization is not None:
        headers["openai-organization"] = call.organization
    path, body = "/models", None
    if call.chat:
        path = "/chat/completions"
        prompt = {"role": "user", "content": "Say hello"}
        body = orjson.dumps({"model": "gpt-4o-mini", "messages": [prompt]})
    # Only http(s) URLs reach here: base_url is the local proxy the demo started.
    request = urllib.request.Request(base_url + path, data=body, headers=headers)  # noqa: S310
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=15) as response:
            return Outcome(response.status, f"HTTP {response.status} OK")
    except urllib.error.HTTPError as e:
        data: Any = orjson.loads(e.read() or b"{}")
        error: Any = data.get("error") if isinstance(data, dict) else None
        said = error.get("message", "") if isinstance(error, dict) else ""
        return Outcome(e.code, f"HTTP {e.code}: {said}", *_authlens(e.headers))
    except urllib.error.URLError as e:
        return Outcome(None, f"urllib: {e.reason}")


def sdk_available() -> bool:
    try:
        import openai  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Case:
    """A mistake to show: its title, what was done, and the call.

    `warmup` is a call made first (a success the proxy remembers), then `between()` runs.
    """

    title: str
    mistake: str
    call: Call
    raw_http: bool = False  # the SDK refuses to send this one itself
    warmup: Call | None = None
    between: Callable[[], None] | None = field(default=None, compare=False)


def demo_cases(good: str, revoked: str, revoke: Callable[[], None]) -> list[Case]:
    """The demo's story: one good call, then the mistakes; `revoke()` revokes `revoked`."""
    return [
        Case("A good key", "OPENAI_API_KEY is right", Call(good, chat=True)),
        Case(
            "No key at all",
            "a hand-written HTTP call without Authorization",
            Call(None),
            raw_http=True,
        ),
        Case(
            "A quoted key",
            "OPENAI_API_KEY='\"sk-proj-...\"' (Windows 'set' keeps quotes)",
            Call(f'"{good}"'),
        ),
        Case("A placeholder", "the sample .env was never filled in", Call("sk-YOUR_API_KEY")),
        Case(
            "Another provider's key",
            "an Anthropic key, but OPENAI_BASE_URL is OpenAI's",
            Call(anthropic_key("demo")),
        ),
        Case(
            "The wrong organization",
            "OPENAI_ORG_ID names an organization the key is not in",
            Call(good, organization="org-AnotherOrganization01"),
        ),
        Case(
            "A key that worked a moment ago",
            "then someone revoked it in the dashboard",
            Call(revoked, chat=True),
            warmup=Call(revoked),
            between=revoke,
        ),
    ]
