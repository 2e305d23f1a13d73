"""Reminder emails and the weekly report: ``GET``/``PUT /users/me/notifications``, ``GET /unsubscribe``."""

from __future__ import annotations

import re
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")


def valid_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows (``Europe/Paris``, ``UTC``)."""
    if len(name) > 64 or not _ZONE_NAME.fullmatch(name):
        return False
    try:
        ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, or a name zoneinfo refuses (ValueError, OSError)
        return False
    return True


class NotificationSettings(BaseModel):
    """The opt-in: a daily reminder of the habits at risk and/or the weekly report, at ``time`` in ``timezone``."""

    model_config = ConfigDict(extra="forbid")

    reminders: bool = Field(default=False, description="Email the habits at risk each day at `time`.")
    time: str = Field(
        default="20:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="Local time of day, `HH:MM`."
    )
    timezone: str = Field(default="UTC", max_length=64, description="An IANA time zone, e.g. `Europe/Paris`.")
    weekly_report: bool = Field(default=False, description="Email the past week's report on `weekday`.")
    weekday: int = Field(default=0, ge=0, le=6, description="The weekly report's day: 0 = Monday ... 6 = Sunday.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not valid_timezone(value):
            raise ValueError("unknown time zone (use an IANA name such as Europe/Paris)")
        return value


class Unsubscribed(BaseModel):
    unsubscribed: Literal["reminders", "weekly_report", "all"]
    """What the link turned off."""
