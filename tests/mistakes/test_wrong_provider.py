"""Keys sent to another provider's host, relay keys and Entra tokens sent to OpenAI."""

from __future__ import annotations

import random
import string

from hypothesis import assume, given
from hypothesis import strategies as st

from authlens.credentials.classify import classify_key_value
from authlens.registry import OPENAI_MARKER, KeyKind, kind_by_name, kind_of, provider
from tests.keygen import OWNED, entra_token, keys
from tests.mistakes.kit import (
    EXAMPLES,
    OPENAI_HOST,
    cause,
    hint,
    own_host,
)


@EXAMPLES
@given(pair=keys(OWNED), target=st.sampled_from(OWNED))
def test_a_key_sent_to_another_providers_host_names_its_owner(
    pair: tuple[KeyKind, str], target: KeyKind
) -> None:
    """Provider swaps: the hint names whose key it is and that provider's base URL."""
    kind, key = pair
    assume(target.provider not in kind.providers and kind.provider not in target.providers)
    host = own_host(target)
    location = "api-key" if target.provider == "azure" else "authorization"
    finding = classify_key_value(key, host=host, location=location)
    assert finding is not None
    if target.provider == "azure" and location == "api-key":
        assert finding.cause in ("other_provider_key", "malformed_key")
        return
    assert finding.cause == "other_provider_key", (kind.name, host)
    owner = provider(kind.provider)
    assert owner.name.split()[0] in finding.hint


@EXAMPLES
@given(rng=st.randoms(use_true_random=True), length=st.sampled_from([22, 32, 40, 48, 64]))
def test_relay_keys_sent_to_openai_say_set_the_base_url(rng: random.Random, length: int) -> None:
    """`sk-` + random body with no OpenAI layout (one-api/new-api, LiteLLM): the relay's."""
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))
    assume(kind_of("sk-" + body) is None or kind_of("sk-" + body).provider in ("relay", "litellm"))  # type: ignore[union-attr]
    # 20 characters and "T3" is also a legacy key cut in its marker: judged a cut (keys.py).
    assume(not (length == 22 and body[20:] == OPENAI_MARKER[:2]))
    text = hint("sk-" + body, host=OPENAI_HOST)
    assert "base URL" in text
    assert cause("sk-" + body, host="relay.example.net") is None  # a relay's own host


@EXAMPLES
@given(rng=st.randoms(use_true_random=True))
def test_an_entra_token_sent_to_openai_is_named(rng: random.Random) -> None:
    """An Azure Entra ID token (issuer Microsoft) to api.openai.com: `other_provider_key`."""
    token = entra_token(rng)
    assert "Entra ID token" in hint(token, host=OPENAI_HOST)
    assert cause(token, host=own_host(kind_by_name("azure_hex"))) is None  # where it belongs
