"""The domain's rules as pydantic validators: a request is checked by the same rule as an event.

A rule that fails becomes a validation error whose ``type`` is the error code the API answers
with (``invalid_habit``, ``invalid_checkin``, ...) and whose message is the domain's, made safe
to send (it may quote the text it refuses).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.text import TextRule
from sync_protocol.wire.errors import ErrorCode, utf8_safe

T = TypeVar("T")


def domain_rule(check: Callable[[Any], T], code: ErrorCode = ErrorCode.VALIDATION_ERROR) -> AfterValidator:
    """A validator that runs ``check`` (a domain rule: DomainError when the value breaks it)."""

    def validate(value: Any) -> T:
        try:
            return check(value)
        except DomainError as exc:
            raise PydanticCustomError(code.value, "{reason}", {"reason": utf8_safe(str(exc))}) from None

    return AfterValidator(validate)


def text_limits(rule: TextRule) -> dict[str, Any]:
    """What OpenAPI shows of a text rule (the rule itself counts characters after normalising)."""
    return {"maxLength": rule.max_length}
