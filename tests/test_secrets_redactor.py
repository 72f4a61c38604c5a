"""The per-exchange Redactor, bodies and byte-safe helpers (`authlens.secrets`)."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from urllib.parse import quote

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import authlens.proxy.addon as addon_module
from authlens.secrets import fingerprint
from authlens.secrets.bodies import MAX_BODY, Unreadable, decoded, field_secrets, scrub_body
from authlens.secrets.places import is_secret_field, is_secret_header
from authlens.secrets.redactor import Redactor, shown_id
from authlens.secrets.text import json_safe, native, terminal_safe, to_bytes
from tests.keyfactory import leaks, project_key

KEY = project_key(7)
TOKEN = "Zq8unknownShapeCredential77abc"


@pytest.mark.parametrize(
    "form",
    [
        KEY,
        json.dumps(KEY)[1:-1],
        quote(TOKEN + "/+", safe=""),
        (TOKEN + "/x").replace("/", "\\/"),
    ],
)
def test_known_secrets_in_every_encoding(form: str) -> None:
    """A secret the request carried is found raw, JSON-escaped and percent-encoded."""
    redactor = Redactor([KEY, TOKEN + "/+", TOKEN + "/x"])
    text = redactor.text(f"echo: {form} end")
    assert "sha256:" in text and form not in text


def test_masked_echo_keeps_only_prefix_and_last_four() -> None:
    """Medium 9: "a0759e97****ecff" of a prefix-less key loses its 8 leading characters."""
    key = "a0759e97" + "0" * 20 + "ecff"
    shown = Redactor([key]).text("Incorrect API key provided: a0759e97****ecff.")
    assert "a0759e97" not in shown and "****ecff" in shown


def test_a_partial_echo_of_a_known_key_is_cut() -> None:
    """Any 8 characters of a known key left in our short outputs are replaced."""
    shown = Redactor([TOKEN]).text(f"the gateway saw {TOKEN[3:15]}...", partial=True)
    assert not leaks(shown, TOKEN, "")


def test_repeated_fields_each_become_a_secret() -> None:
    """Medium 10: the redactor gets each field; "a, b" joined is not the only form."""
    redactor = Redactor(["first-credential-0123456789", "second-credential-0123456789"])
    shown = redactor.text("got second-credential-0123456789")
    assert "second-credential" not in shown


def test_header_rules_by_name() -> None:
    """Every gateway credential header is fingerprinted; an org id stays readable."""
    redactor = Redactor()
    for name in ("Helicone-Auth", "cf-aig-authorization", "x-goog-api-key", "x-my-token"):
        assert TOKEN not in redactor.header(name, f"Bearer {TOKEN}")
    assert redactor.header("OpenAI-Organization", "org-abc123") == "org-abc123"
    assert TOKEN not in shown_id(KEY) and "0123456789abcdef" * 2 not in shown_id(
        "0123456789abcdef" * 2
    )
    assert not is_secret_header("x-authlens-id")


@pytest.mark.parametrize(
    "path",
    [
        f"/v1/models;api_key={TOKEN}",
        f"/v1/models?ap%69_key={TOKEN}",
        f"/v1/models?openai_api_key={TOKEN}&x=1",
    ],
)
def test_path_parameters_by_name(path: str) -> None:
    assert TOKEN not in Redactor().path(path)


def test_field_names_by_shape() -> None:
    assert is_secret_field("openai_api_key") and is_secret_field("apiKey")
    assert is_secret_field("client_secret") and is_secret_field("ap%69_key")
    assert not is_secret_field("max_tokens") and not is_secret_field("model")


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (b'{"a": {"openai_api_key": "' + TOKEN.encode() + b'"}}', "application/json"),
        (b"x=1&api_key=" + TOKEN.encode(), "application/x-www-form-urlencoded"),
        (
            b'--B\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n'
            + TOKEN.encode()
            + b"\r\n--B--\r\n",
            "multipart/form-data; boundary=B",
        ),
    ],
)
def test_secret_named_fields(body: bytes, ctype: str) -> None:
    """Found as secrets (for the log) and scrubbed from the stored body."""
    assert TOKEN in field_secrets(body, ctype)
    assert TOKEN.encode() not in scrub_body(body, ctype, Redactor())


def test_json_escapes_cannot_hide_a_key() -> None:
    escaped = KEY[:8] + "".join(f"\\u{ord(c):04x}" for c in KEY[8:])
    zwsp = KEY[:30] + "\\u200b" + KEY[30:]
    for note in (escaped, zwsp):
        body = b'{"note": "' + note.encode() + b'"}'
        out = scrub_body(body, "application/json", Redactor([KEY]))
        assert not leaks(json.loads(out)["note"], KEY, "sk-proj-")


def test_compressed_bodies_decode_within_a_cap() -> None:
    body = b'{"api_key": "' + TOKEN.encode() + b'"}'
    for coded, encoding in ((gzip.compress(body), "gzip"), (zlib.compress(body), "deflate")):
        assert decoded(coded, encoding) == body
    bomb = gzip.compress(bytes(MAX_BODY + 1024))
    with pytest.raises(Unreadable):
        decoded(bomb, "gzip")
    with pytest.raises(Unreadable):
        decoded(b"not gzip", "gzip")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_bytes_never_raise(raw: bytes) -> None:
    """Any byte: decoding, redaction and JSON rendering never raise; no byte is lost."""
    text = native(raw)
    assert to_bytes(text) == raw
    orjson.dumps(json_safe(Redactor([text or "x" * 8]).text(text)))
    assert "\x1b" not in terminal_safe(text)
    scrub_body(raw, "application/json", Redactor([text]))


def test_no_cache_keeps_a_raw_key() -> None:
    """Low: nothing keyed by a raw key outlives the exchange (no lru_cache on fingerprints)."""
    assert not hasattr(fingerprint.fingerprint_key, "cache_info")
    assert not hasattr(addon_module, "_redacted_hint")
    secret = "Zq8" + "0123456789abcdefghij" + "Kcache"
    Redactor([secret]).text(f"upstream said {secret}")
    # `re` keeps compiled patterns for the life of the process: none may spell a secret.
    caches = [getattr(re, name) for name in ("_cache", "_cache2") if hasattr(re, name)]
    assert not any(secret in repr(list(cache)) for cache in caches)
