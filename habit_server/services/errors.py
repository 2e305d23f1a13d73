"""Errors a use-case raises; the API turns each into its status and ``{"error": {...}}`` body."""

from __future__ import annotations

from typing import Any

from sync_protocol.wire.errors import ErrorCode


class ServiceError(Exception):
    status = 400

    def __init__(self, code: ErrorCode, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.details: list[dict[str, Any]] | None = None


class Invalid(ServiceError):
    status = 422


class Unauthorized(ServiceError):
    status = 401

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(code, message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404

    def __init__(self, what: str = "resource") -> None:
        super().__init__(ErrorCode.NOT_FOUND, f"{what} not found")


class Conflict(ServiceError):
    status = 409


class QuotaExceeded(ServiceError):
    """The user's log holds as many events as the server keeps for one user (``MAX_EVENTS_PER_USER``)."""

    status = 507

    def __init__(self, quota: int) -> None:
        super().__init__(
            ErrorCode.QUOTA_EXCEEDED, f"this account holds the most events this server keeps for one user ({quota})"
        )


class RateLimited(ServiceError):
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            ErrorCode.RATE_LIMITED,
            f"too many requests; try again in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
