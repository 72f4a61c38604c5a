"""The attributes of an exchange's span: GenAI and HTTP semantic conventions plus
`authlens.*`, from the event and the response's facts. No message content, no secret.

https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/ for `gen_ai.*`;
https://opentelemetry.io/docs/specs/semconv/registry/attributes/http/ for the request ids as
`http.request.header.<name>` / `http.response.header.<name>` (string arrays). Values a client
or an upstream chose (model, request ids) are redacted like the log's; the hint comes
redacted from the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authlens.diagnosis.upstream import REQUEST_ID_HEADERS
from authlens.exchange import Exchange
from authlens.secrets.redactor import redact_text
from authlens.telemetry.labels import operation_name, provider_name
from authlens.telemetry.replyfacts import ReplyFacts

_MAX_VALUE = 256


def _shown(value: object, secrets: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    return redact_text(str(value)[:_MAX_VALUE], secrets)


def span_name(attributes: Mapping[str, Any]) -> str:
    """`{gen_ai.operation.name} {gen_ai.request.model}`, the operation alone without a model."""
    model = attributes.get("gen_ai.request.model")
    operation = str(attributes["gen_ai.operation.name"])
    return f"{operation} {model}" if model else operation


def span_attributes(
    event: Mapping[str, Any],
    exchange: Exchange,
    facts: ReplyFacts,
    secrets: tuple[str, ...],
) -> dict[str, Any]:
    """Every attribute known for this exchange (none set to None)."""
    cause = event.get("cause")
    upstream_id_header = next(
        (name for name in REQUEST_ID_HEADERS if name in exchange.response_headers), None
    )
    values: dict[str, Any] = {
        "gen_ai.operation.name": operation_name(exchange.path),
        "gen_ai.provider.name": provider_name(exchange.provider),
        "gen_ai.request.model": _shown(event.get("model"), secrets),
        "gen_ai.response.id": _shown(facts.response_id, secrets),
        "gen_ai.usage.input_tokens": facts.input_tokens,
        "gen_ai.usage.output_tokens": facts.output_tokens,
        "error.type": cause,
        "server.address": exchange.host,
        "http.request.method": exchange.method or None,
        "http.response.status_code": exchange.status,
        "authlens.id": event.get("id"),
        "authlens.cause": cause,
        # `build_event` redacted the hint with this exchange's redactor: the one redaction.
        "authlens.hint": str(event["hint"])[:_MAX_VALUE] if event.get("hint") else None,
        "authlens.key": event.get("key"),  # a fingerprint
        "authlens.answered_by": event.get("answered_by"),
        "authlens.client": event.get("client"),
        "authlens.sdk": _shown(event.get("sdk"), secrets),
    }
    client_id = _shown(event.get("client_request_id"), secrets)
    if client_id:
        values["http.request.header.x-client-request-id"] = (client_id,)
    upstream_id = _shown(event.get("upstream_request_id"), secrets)
    if upstream_id and upstream_id_header:
        values[f"http.response.header.{upstream_id_header}"] = (upstream_id,)
    if event.get("id"):
        values["http.response.header.x-authlens-id"] = (event["id"],)
    return {name: value for name, value in values.items() if value is not None}
