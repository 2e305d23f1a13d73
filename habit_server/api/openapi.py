"""The error statuses every operation can answer, documented once for the whole API.

The middleware, the exception handlers and the shared dependencies answer the same statuses on
every route (426 from the protocol check, 413 from the body bound, 503 when the database is
unavailable, 401/403 from authentication, ...). Rather than repeat them by hand in each route's
``responses=``, :data:`SHARED_RESPONSES` says which operations can get each one, and
:func:`install` adds them to the generated schema when the app is built. A route's own entry for a
status wins over the shared one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from sync_protocol.wire.errors import ErrorResponse

_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}},
}
_UNMONITORED_TAGS = frozenset({"health"})
"""Operations that answer without the database (and without authentication)."""

Operation = dict[str, Any]


def _has_body(op: Operation) -> bool:
    return "requestBody" in op


def _has_input(op: Operation) -> bool:
    return _has_body(op) or bool(op.get("parameters"))


def _authenticated(op: Operation) -> bool:
    return bool(op.get("security"))


def _uses_database(op: Operation) -> bool:
    return not _UNMONITORED_TAGS.intersection(op.get("tags", ()))


def _always(_op: Operation) -> bool:
    return True


@dataclass(frozen=True)
class Shared:
    description: str
    applies: Callable[[Operation], bool]
    headers: dict[str, Any] | None = None


SHARED_RESPONSES: dict[int, Shared] = {
    400: Shared("`malformed_json`: the request body is not valid JSON (or not a parsable form).", _has_body),
    401: Shared("`not_authenticated`, `invalid_token`, `token_expired`, `token_revoked`.", _authenticated),
    403: Shared("`account_disabled`, or `forbidden` (the account may not do this).", _authenticated),
    413: Shared("`body_too_large` (the server's request size bound), or `too_many_events`.", _has_body),
    422: Shared("`validation_error` (or a domain rule's own code): the input breaks a rule.", _has_input),
    426: Shared("`unsupported_protocol`: the client's `X-Habit-Protocol` is not spoken here.", _always),
    429: Shared("`rate_limited`: too many attempts; see `Retry-After`.", _has_body, _RETRY_AFTER),
    503: Shared(
        "`database_unavailable`: the database is restarting or busy; see `Retry-After`.", _uses_database, _RETRY_AFTER
    ),
}


def add_shared_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Add :data:`SHARED_RESPONSES` to every operation of an OpenAPI ``schema`` (in place; idempotent)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorResponse" not in components:
        model = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(model.pop("$defs", {}))
        components["ErrorResponse"] = model
    for path_item in schema.get("paths", {}).values():
        for op in path_item.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            for status, shared in SHARED_RESPONSES.items():
                if str(status) in op["responses"] or not shared.applies(op):
                    continue
                response: dict[str, Any] = {
                    "description": shared.description,
                    "content": {"application/json": {"schema": _ERROR_REF}},
                }
                if shared.headers:
                    response["headers"] = shared.headers
                op["responses"][str(status)] = response
    return schema


def install(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document carry the shared error responses."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_shared_responses(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
