"""The model a request asks for, from its JSON body (`diagnosis/request_model.py`)."""

from __future__ import annotations

import pytest

from authlens.credentials.keys import fingerprint_key
from authlens.diagnosis.request_model import model_from_body
from tests.keyfactory import project_key


@pytest.mark.parametrize(
    ("body", "content_type", "model"),
    [
        (b'{"model": "gpt-4o", "messages": []}', "application/json", "gpt-4o"),
        (b'{"messages": [{"model": "x"}]}', "application/json", None),
        (b'{"model": 5}', "application/json", None),
        (b"model=gpt-4o", "application/x-www-form-urlencoded", None),
        (b"{not json", "application/json", None),
        (b'{"model": "gpt-4o", "input": "' + b"x" * 300_000 + b'"}', "application/json", "gpt-4o"),
        (None, "application/json", None),
    ],
)
def test_model_from_body(body: bytes | None, content_type: str, model: str | None) -> None:
    """The top-level model of a JSON body; large bodies are scanned, not parsed."""
    assert model_from_body(body, content_type) == model


def test_a_key_sent_as_the_model_is_kept_as_its_fingerprint() -> None:
    """A swapped argument (the key passed as model) never reaches the log in clear."""
    key = project_key(8)
    body = b'{"model": "' + key.encode() + b'", "messages": []}'
    assert model_from_body(body, "application/json") == fingerprint_key(key)
