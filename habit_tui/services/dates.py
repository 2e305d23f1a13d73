"""Dates as people type them: YYYY-MM-DD, today, yesterday or -N."""

from __future__ import annotations

import re
from datetime import date, timedelta

from habit_tui.errors import HabitError
from sync_protocol.domain.fields import FIRST_DAY

_RELATIVE = re.compile(r"^-(\d{1,5})$")


def parse_day(text: str | None, today: date, *, allow_future: bool = False) -> date:
    if text is None:
        return today
    raw = text.strip().lower()
    if raw == "today":
        day = today
    elif raw == "yesterday":
        day = today - timedelta(days=1)
    elif m := _RELATIVE.match(raw):
        day = today - timedelta(days=int(m.group(1)))
    else:
        day = _iso(raw, text)
    if allow_future and day > today:
        return day
    return check_day(day, today)


def check_day(day: date, today: date) -> date:
    """The one rule for the day of a check-in a person gives (``--date``, every import).

    Not after today, not before the domain's calendar (:data:`~sync_protocol.domain.fields.FIRST_DAY`).
    """
    if day > today:
        raise HabitError(f"{day.isoformat()} is in the future (today is {today.isoformat()})")
    if day < FIRST_DAY:
        raise HabitError(f"{day.isoformat()} is too far in the past (the calendar starts on {FIRST_DAY})")
    return day


def _iso(raw: str, text: str) -> date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise HabitError(f"bad date '{text}': use YYYY-MM-DD, today, yesterday or -N (days ago)")
