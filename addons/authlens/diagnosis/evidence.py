"""Everything the diagnosis rules read about one exchange, computed once."""

from __future__ import annotations

from dataclasses import dataclass

from authlens.credentials.credential import SentCredential, find_credentials, primary_credential
from authlens.credentials.keys import fingerprint_key
from authlens.credentials.unwrap import inner_key
from authlens.diagnosis.history import KeyHistory, KeySeen
from authlens.diagnosis.transit import fingerprint_in_token
from authlens.diagnosis.upstream import UpstreamReply, read_reply
from authlens.exchange import Exchange


@dataclass(frozen=True, slots=True)
class Evidence:
    """An exchange with its credentials parsed, its reply read and its key's history."""

    exchange: Exchange
    credentials: tuple[SentCredential, ...]
    credential: SentCredential | None  # the one the upstream will use
    key: str | None  # fingerprint of `credential.token`
    reply: UpstreamReply | None  # None when no response came
    seen: KeySeen | None  # this key's last success through the proxy

    @property
    def status(self) -> int | None:
        return self.exchange.status

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every credential value sent, for redaction (fingerprints left by scrubbing are not)."""
        found: list[str] = []
        for c in self.credentials:
            if c.token and not fingerprint_in_token(c.token):
                found.append(c.token)
                if inner := inner_key(c.token):
                    found.append(inner)  # the key alone, as an echo or a body may show it
        return tuple(found)

    @property
    def organization(self) -> str | None:
        """The OpenAI-Organization header as sent (may be anything, even a key)."""
        return self.exchange.request_headers.get("openai-organization")

    @property
    def project(self) -> str | None:
        """The OpenAI-Project header as sent."""
        return self.exchange.request_headers.get("openai-project")


def key_of(token: str) -> str:
    """The fingerprint of `token`; a fingerprint left by flow scrubbing stays as it is.

    A wrapped key (quotes, spaces, a label, a second `Bearer`) is fingerprinted without its
    wrapping, so the last 4 and the hash match the dashboard (contract section 6).
    """
    return fingerprint_in_token(token) or fingerprint_key(inner_key(token) or token)


def gather_evidence(exchange: Exchange, history: KeyHistory | None = None) -> Evidence:
    """Parse what the rules need from `exchange`; never raises on odd input."""
    credentials = tuple(find_credentials(exchange.request_headers, exchange.path))
    credential = primary_credential(list(credentials), exchange.provider)
    key = key_of(credential.token) if credential and credential.token else None
    # A wrapped key (quotes, a label) is fingerprinted as the key inside, but only the value
    # as sent can have "worked before": the wrapping is what broke it, not a revocation.
    wrapped = credential is not None and inner_key(credential.token) is not None
    reply = None
    if exchange.status is not None:
        reply = read_reply(exchange.provider, exchange.response_headers, exchange.response_body)
    seen = history.get(key) if history is not None and key and not wrapped else None
    return Evidence(exchange, credentials, credential, key, reply, seen)
