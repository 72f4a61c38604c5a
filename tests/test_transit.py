"""Comparing OpenAI's masked echo with the key authlens forwarded."""

from __future__ import annotations

import pytest

from authlens.credentials.credential import find_credentials
from authlens.credentials.keys import fingerprint_key
from authlens.diagnosis.transit import echo_mismatch, fingerprint_in_token, forwarded_key
from tests.keyfactory import legacy_key, project_key

KEY = project_key(1)
LEGACY = legacy_key(2)


def echo(value: str) -> str:
    return value[:8] + "*" * (len(value) - 12) + value[-4:]


@pytest.mark.parametrize(
    ("sent", "echoed", "differs"),
    [
        (KEY, echo(KEY), None),
        (LEGACY, echo(LEGACY), None),
        (f'"{LEGACY}"', echo(f'"{LEGACY}"'), None),
        ("${" + KEY + "}", echo("${" + KEY + "}"), None),
        ("undefined", "undefined", None),
        (KEY, "sk-proj-..." + KEY[-4:], None),
        (LEGACY, LEGACY[:3] + "*" * 20 + LEGACY[-4:], None),  # older, shorter echo
        (KEY, echo(project_key(3)), "the last 4"),
        (KEY, echo(LEGACY), "the first characters"),
        (KEY, echo("sk-ant-api03-" + "A" * 95), "the first characters"),
        (LEGACY, echo(LEGACY[:8] + "x" + LEGACY[8:]), "the length"),
        (KEY, "undefined", "the value"),
        (KEY, "sk-proj-...ZZZZ", "the last 4"),
    ],
)
def test_echo_against_raw_key(sent: str, echoed: str, differs: str | None) -> None:
    """Prefix, last 4 and length of the echo must fit the key forwarded."""
    forwarded = forwarded_key(sent)
    assert forwarded is not None
    assert echo_mismatch(echoed, forwarded) == differs


@pytest.mark.parametrize(
    ("echoed", "differs"),
    [
        (echo(KEY), None),
        (KEY[:8] + "*" * 200 + KEY[-4:], None),  # the length is unknown from a fingerprint
        (echo(project_key(3)), "the last 4"),
        (echo(LEGACY), "the first characters"),
    ],
)
def test_echo_against_fingerprint(echoed: str, differs: str | None) -> None:
    """A scrubbed flow holds only a fingerprint: its prefix and last 4 are compared."""
    forwarded = forwarded_key(fingerprint_key(KEY))
    assert forwarded is not None
    assert forwarded.length is None
    assert echo_mismatch(echoed, forwarded) == differs


@pytest.mark.parametrize("token", ["", "sk-proj-abc def", "sk-proj-\u200babc", "a\tb"])
def test_keys_the_upstream_may_parse_differently_are_not_compared(token: str) -> None:
    """Whitespace or non-ASCII inside a key: no comparison (request-side rules report it)."""
    assert forwarded_key(token) is None


@pytest.mark.parametrize(
    ("token", "is_fingerprint"),
    [
        (fingerprint_key(KEY), True),
        (fingerprint_key("short"), True),
        ("sk-proj-...Ab3d sha256:0123456789ab", True),
        (KEY, False),
        ("sk-proj-...Ab3d", False),
        ("sk-proj-...Ab3d sha256:0123", False),
    ],
)
def test_fingerprint_in_token(token: str, is_fingerprint: bool) -> None:
    """Only a complete authlens fingerprint is recognised as one."""
    assert (fingerprint_in_token(token) is not None) is is_fingerprint


def test_the_echo_is_compared_with_what_the_upstream_parsed() -> None:
    """`Bearer:sk-...` reaches OpenAI as one token starting `Bearer:s`; its echo is not a
    change in transit, while an echo of the key alone would be."""
    key = "sk-proj-" + "Ab3d" * 20
    (credential,) = find_credentials({"authorization": f"Bearer:{key}"}, "/")
    parsed = forwarded_key(credential.upstream_value)
    assert parsed is not None
    whole = f"Bearer:{key}"
    assert echo_mismatch(whole[:8] + "*" * (len(whole) - 12) + whole[-4:], parsed) is None
    assert echo_mismatch(key[:8] + "*" * (len(key) - 12) + key[-4:], parsed) is not None
