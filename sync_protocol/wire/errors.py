"""Machine-readable error codes and the error body every non-2xx response carries.

Every error response is ``{"error": {"code": "...", "message": "...", "details": ...}}``;
clients branch on ``code`` (stable) and show ``message`` (for people, may change).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sync_protocol.domain.text import valid_unicode


class ErrorCode(StrEnum):
    # request shape
    MALFORMED_JSON = "malformed_json"
    VALIDATION_ERROR = "validation_error"
    BODY_TOO_LARGE = "body_too_large"
    TOO_MANY_EVENTS = "too_many_events"
    UNSUPPORTED_PROTOCOL = "unsupported_protocol"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # auth
    NOT_AUTHENTICATED = "not_authenticated"
    INVALID_TOKEN = "invalid_token"  # noqa: S105 - an error code, not a secret
    TOKEN_EXPIRED = "token_expired"  # noqa: S105 - an error code, not a secret
    TOKEN_REVOKED = "token_revoked"  # noqa: S105 - an error code, not a secret
    INVALID_CREDENTIALS = "invalid_credentials"
    ACCOUNT_DISABLED = "account_disabled"
    WEAK_PASSWORD = "weak_password"  # noqa: S105 - an error code, not a secret
    RATE_LIMITED = "rate_limited"
    FORBIDDEN = "forbidden"
    REGISTRATION_CLOSED = "registration_closed"
    INVITE_REQUIRED = "invite_required"
    # resources
    NOT_FOUND = "not_found"
    USERNAME_TAKEN = "username_taken"
    HABIT_NAME_TAKEN = "habit_name_taken"
    INVALID_HABIT = "invalid_habit"
    INVALID_CHECKIN = "invalid_checkin"
    # per-event push results
    INVALID_EVENT = "invalid_event"
    INVALID_PAYLOAD = "invalid_payload"
    CLOCK_SKEW = "clock_skew"
    EVENT_CONFLICT = "event_conflict"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    QUOTA_EXCEEDED = "quota_exceeded"
    # server side
    NOT_READY = "not_ready"
    DATABASE_UNAVAILABLE = "database_unavailable"
    INTERNAL_ERROR = "internal_error"


def utf8_safe(text: str) -> str:
    """``text`` with every lone surrogate written as its escape (``\\ud800``), so it can always be sent
    as UTF-8: an error message may quote the text it refuses."""
    return text if valid_unicode(text) else text.encode("utf-8", "backslashreplace").decode("utf-8")


class ErrorBody(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: ErrorCode = Field(description="Stable machine-readable code; branch on this.")
    message: Annotated[str, AfterValidator(utf8_safe)] = Field(
        description="Human-readable explanation; may change between versions."
    )
    details: list[dict[str, Any]] | None = Field(default=None, description="Per-field problems, when known.")


class ErrorResponse(BaseModel):
    """The body of every non-2xx response."""

    error: ErrorBody
