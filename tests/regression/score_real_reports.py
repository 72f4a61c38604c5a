"""Score authlens on exchanges rebuilt from public bug reports (`real_reports.json`).

Each case is run through the same pure core the proxy uses (`gather_evidence` + `diagnose`)
and passes when the cause is the expected contract code and the hint names every item of
`hint_must_mention` (case-insensitive; an item may be a list of alternatives).

    PYTHONPATH=addons python -m tests.regression.score_real_reports [--seed N] [--hints]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from authlens.diagnosis.evidence import gather_evidence
from authlens.diagnosis.request_model import model_from_body
from authlens.diagnosis.rules import diagnose
from authlens.exchange import Exchange
from authlens.providers import provider_for_host
from tests.regression.real_keys import NOW, KeyMaker, header_value, openai_echo, token_of

SET_PATH = Path(__file__).with_name("real_reports.json")
_ECHO = "@@echo@@"  # in a response body: OpenAI's masked echo of the token sent


def load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(SET_PATH.read_text(encoding="utf-8"))
    return cases


def _with_echo(value: Any, echo: str) -> Any:
    """`value` with every `@@echo@@` in its strings replaced (before JSON encoding)."""
    if isinstance(value, str):
        return value.replace(_ECHO, echo)
    if isinstance(value, dict):
        return {key: _with_echo(item, echo) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_echo(item, echo) for item in value]
    return value


def _encoded(body: Any) -> bytes | None:
    if body is None:
        return None
    return body.encode() if isinstance(body, str) else orjson.dumps(body)


def build_exchange(case: dict[str, Any], keys: KeyMaker) -> Exchange:
    """The exchange as the proxy would hand it to the core: lower-case header names."""
    request, response = case["request"], case["response"]
    host, _, path = request["url"].partition("/")
    headers = {name.lower(): header_value(v, keys) for name, v in request["headers"].items()}
    credential = headers.get("authorization") or headers.get("api-key") or ""
    echo = openai_echo(token_of(credential))
    body = _encoded(request.get("body"))
    status = response["status"]
    return Exchange(
        id=case["id"],
        provider=provider_for_host(host),
        method=request["method"],
        scheme="https",
        host=host,
        path="/" + path,
        request_headers=headers,
        started=NOW - 0.4,
        ended=NOW,
        model=model_from_body(body, headers.get("content-type", "")),
        status=status,
        response_headers={k.lower(): v for k, v in response.get("headers", {}).items()},
        response_body=_encoded(_with_echo(response.get("body"), echo)) if status >= 400 else None,
    )


def _mentions(hint: str, wanted: list[str | list[str]]) -> list[str]:
    """The items of `wanted` the hint does not name (each item: a word or alternatives)."""
    lowered = hint.lower()
    missing = []
    for item in wanted:
        options = [item] if isinstance(item, str) else item
        if not any(option.lower() in lowered for option in options):
            missing.append(" | ".join(options))
    return missing


@dataclass(frozen=True, slots=True)
class Result:
    id: str
    expected: str
    cause: str | None
    hint: str
    missing: tuple[str, ...]  # hint items not named

    @property
    def ok(self) -> bool:
        return self.cause == self.expected and not self.missing

    def why(self) -> str:
        if self.cause != self.expected:
            return f"cause {self.cause} (expected {self.expected})"
        return "hint does not name: " + ", ".join(self.missing)


def run_case(case: dict[str, Any], keys: KeyMaker) -> Result:
    finding = diagnose(gather_evidence(build_exchange(case, keys)))
    hint = finding.hint if finding else ""
    return Result(
        case["id"],
        case["expected_cause"],
        finding.cause if finding else None,
        hint,
        tuple(_mentions(hint, case["hint_must_mention"])),
    )


def score(cases: list[dict[str, Any]], keys: KeyMaker) -> list[Result]:
    return [run_case(case, keys) for case in cases]


def score_line(results: list[Result], seed: int) -> str:
    passed = sum(r.ok for r in results)
    share = 100 * passed / len(results) if results else 0.0
    return f"real-report score: {passed}/{len(results)} ({share:.0f}%), seed {seed}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=None, help="replay the random key parts")
    parser.add_argument("--hints", action="store_true", help="print every hint")
    args = parser.parse_args(argv)
    keys = KeyMaker(args.seed)
    results = score(load_cases(), keys)
    for r in results:
        mark = "ok  " if r.ok else "MISS"
        line = f"{mark} {r.id:<44} {r.expected:<26} got {r.cause}"
        print(line if r.ok else f"{line}  -- {r.why()}")
        if args.hints or not r.ok:
            print(f"     hint: {r.hint or '(none)'}")
    print(score_line(results, keys.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
