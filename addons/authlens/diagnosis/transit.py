"""Compare the key OpenAI echoes back with the key authlens forwarded.

OpenAI echoes a rejected credential as its first 8 characters, stars, and its last 4, at the
same length (https://github.com/chatanywhere/GPT_API_free/issues/62: 51 characters sent,
51 echoed; older answers showed fewer leading characters). If that echo
does not fit what we forwarded, a layer after us (another proxy, a gateway, SDK middleware
running after the proxy hook) changed the credential.

The echo is compared with what the upstream itself parsed as the credential
(`SentCredential.upstream_value`): the token after a whitespace-separated scheme, or the
whole header when there was none (`Bearer:sk-...`, a bare key), so an odd scheme or
separator is not mistaken for a change in transit.

Flow files written by authlens hold a fingerprint instead of the key; what it still shows
(kind prefix, last 4) is compared, the rest is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from authlens.credentials.keys import is_fingerprint, parse_fingerprint

# Echo shapes: "sk-proj-****Ab3d" (head, stars, tail) and "sk-proj-...Ab3d" (Realtime API).
_STARRED = re.compile(r"(?P<head>[^*]{1,8})\*+(?P<tail>[^*]{1,4})")
_DOTTED = re.compile(r"(?P<head>[^.]{1,16})\.\.\.(?P<tail>[^.]{1,4})")
_FULL_ECHO_HEAD = 8


@dataclass(frozen=True, slots=True)
class ForwardedKey:
    """What is known of the credential we forwarded."""

    head: str  # its first characters (8 when the raw key is known, the kind prefix otherwise)
    tail: str  # its last 4 characters ("" when unknown)
    length: int | None  # None when only a fingerprint is known
    raw: str | None  # the token itself, when known


def fingerprint_in_token(token: str) -> str | None:
    """The authlens fingerprint a scrubbed flow holds in place of a key, or None."""
    token = token.strip()
    return token if is_fingerprint(token) else None


def forwarded_key(token: str) -> ForwardedKey | None:
    """The comparable facts of `token`; None when the echo cannot be trusted to match.

    Whitespace or non-ASCII characters inside a key make the upstream's parsing (and so its
    echo) unpredictable; the request-side rules report those keys instead.
    """
    token = token.strip()
    if shown := parse_fingerprint(token):
        return ForwardedKey(shown[0], shown[1], None, None)
    if not token or not token.isascii() or not token.isprintable() or " " in token:
        return None
    return ForwardedKey(token[:_FULL_ECHO_HEAD], token[-4:], len(token), token)


def echo_mismatch(echo: str, sent: ForwardedKey) -> str | None:
    """What differs between the upstream's echo and the forwarded key, or None if it fits.

    Returns a short phrase for the hint: "the first characters", "the last 4", "the length"
    (never the characters themselves).
    """
    starred = _STARRED.fullmatch(echo)
    dotted = None if starred else _DOTTED.fullmatch(echo)
    if starred is None and dotted is None:
        # Short values are echoed in full.
        if sent.raw is None:
            return None if echo.endswith(sent.tail) else "the last 4"
        return None if echo == sent.raw else "the value"
    match = starred or dotted
    assert match is not None
    head, tail = match.group("head"), match.group("tail")
    if not (head.startswith(sent.head) or sent.head.startswith(head)):
        return "the first characters"
    if sent.tail and tail != sent.tail[-len(tail) :]:
        return "the last 4"
    full_format = starred is not None and len(head) == _FULL_ECHO_HEAD
    if full_format and sent.length is not None and len(echo) != sent.length:
        return "the length"
    return None
