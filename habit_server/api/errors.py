"""Every error leaves as ``{"error": {"code", "message"}}`` with a precise status; never a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from habit_server.api import metrics
from habit_server.api.client_ip import request_client_ip
from habit_server.db.engine import DATABASE_ERRORS, database_unavailable
from habit_server.services.errors import ServiceError
from sync_protocol.protocol import TOKEN_PATH
from sync_protocol.wire.errors import ErrorCode, utf8_safe

log = logging.getLogger("habit_server.api")
security_log = logging.getLogger("habit_server.security")

_HTTP_CODES = {
    400: ErrorCode.MALFORMED_JSON,
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.BODY_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
}


_RULE_CODES = {code.value: code for code in (ErrorCode.INVALID_HABIT, ErrorCode.INVALID_CHECKIN)}
"""Error codes a request model's domain rule may fail with (``sync_protocol.wire.rules``)."""


def error_response(
    status: int,
    code: ErrorCode,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code.value, "message": utf8_safe(message)}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


async def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    if exc.code is ErrorCode.INVALID_CREDENTIALS and request.url.path == TOKEN_PATH:
        # One line per failed login, in a fixed format for fail2ban (README): the address only, never
        # the username, password or email.
        security_log.warning("failed login from %s", await request_client_ip(request))
    return error_response(exc.status, exc.code, exc.message, details=exc.details, headers=exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return error_response(400, ErrorCode.MALFORMED_JSON, "the request body is not valid JSON")
    if any(e.get("type") == "too_long" and tuple(e.get("loc", ())) == ("body", "events") for e in errors):
        return error_response(
            413, ErrorCode.TOO_MANY_EVENTS, "a push holds at most 500 events; send the rest in further pushes"
        )
    # Never echo the input back: it may hold a password. A location may hold a key of the input,
    # and a domain rule's message the text it refused: both are made safe to encode.
    details: list[dict[str, Any]] = [
        {
            "loc": [utf8_safe(str(p)) for p in e.get("loc", ())],
            "msg": utf8_safe(str(e.get("msg", ""))),
            "type": str(e.get("type", "")),
        }
        for e in errors[:50]
    ]
    first: dict[str, Any] = details[0] if details else {"loc": [], "msg": "invalid request", "type": ""}
    where = ".".join(first["loc"][1:] if len(first["loc"]) > 1 else first["loc"])
    # A domain rule that failed in a request model names its own code (``invalid_habit``, ...).
    code = _RULE_CODES.get(first["type"], ErrorCode.VALIDATION_ERROR)
    return error_response(422, code, f"{where}: {first['msg']}".strip(": "), details=details)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, ErrorCode.VALIDATION_ERROR)
    message = exc.detail if isinstance(exc.detail, str) else code.value.replace("_", " ")
    return error_response(exc.status_code, code, message, headers=dict(exc.headers or {}))


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """Handled here, not by the catch-all: Starlette re-raises what reaches the catch-all."""
    if isinstance(exc, PoolTimeout):
        metrics.POOL_TIMEOUTS.inc()
        log.warning("no database connection free for %s %s", request.method, request.url.path)
        return error_response(
            503, ErrorCode.DATABASE_UNAVAILABLE, "the server is busy; retry in a moment", headers={"Retry-After": "1"}
        )
    if database_unavailable(exc):
        metrics.DATABASE_UNAVAILABLE.inc()
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return error_response(
            503,
            ErrorCode.DATABASE_UNAVAILABLE,
            "the database is unavailable; retry in a moment",
            headers={"Retry-After": "1"},
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, ErrorCode.INTERNAL_ERROR, "internal error; it has been logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(PoolTimeout, _database_error)
    for kind in DATABASE_ERRORS:
        app.add_exception_handler(kind, _database_error)
    app.add_exception_handler(Exception, _unexpected)
