"""Check-ins and the user's local calendar day."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.text import TextRule

NOTE = TextRule("a note", 1000, multiline=True)
"""The rule of a check-in's note (the only user text of a check-in)."""
MAX_VALUE = 1e9


class CheckIn(NamedTuple):
    """One slot per (habit, date): a value, or a skip, with an optional note.

    A named tuple rather than a frozen dataclass: a report reads a year of check-ins per habit,
    and a tuple is made in less than half the time."""

    date: date
    value: float | None = None
    skipped: bool = False
    note: str = ""


def local_day(now: datetime, day_starts_at: time = time(0, 0)) -> date:
    """The calendar day a moment belongs to for this user.

    ``now`` is a local wall-clock time (aware or naive). With ``day_starts_at`` at 04:00 a
    check-in at 01:30 counts for the day before. The arithmetic is on the wall clock, so a DST
    change never moves a check-in to another day. Never pass a UTC timestamp here.
    """
    shift = timedelta(hours=day_starts_at.hour, minutes=day_starts_at.minute)
    return (now.replace(tzinfo=None) - shift).date()


def parse_day_start(text: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        value = time(int(hours), int(minutes))
    except ValueError:
        raise DomainError(f"bad day_starts_at '{text}': use HH:MM between 00:00 and 11:59") from None
    if value.hour >= 12:
        raise DomainError(f"bad day_starts_at '{text}': use HH:MM between 00:00 and 11:59")
    return value


def check_amount(value: object) -> float:
    """A check-in's value: a finite number from 0 to 1e9."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DomainError("the value must be a number")
    if value < 0:
        raise DomainError("the value cannot be negative")
    if value > MAX_VALUE:  # also an int too large for a float
        raise DomainError("the value is too large")
    if not math.isfinite(value):
        raise DomainError("the value must be a number")
    return float(value)


def validate_value(habit: Habit, value: float) -> float:
    """The value of a check-in a person makes on ``habit`` (a yes/no habit takes only 1)."""
    amount = check_amount(value)
    if habit.kind is HabitKind.YES_NO and amount != 1:
        raise DomainError(f"'{habit.name}' is a yes/no habit; it takes no value")
    return amount


def done_value(habit: Habit) -> float:
    """What ``done`` records without a value: 1 for a yes/no habit, the target of an at-least
    habit, and 0 for an at-most (quit) habit, as Loop Habit Tracker does."""
    if not habit.is_measurable:
        return 1.0
    return habit.target if habit.target_type is TargetType.AT_LEAST else 0.0


def day_credit(habit: Habit, checkin: CheckIn) -> float:
    """How much of the day's goal a check-in meets, between 0 and 1 (skips are not credit)."""
    if checkin.skipped or checkin.value is None:
        return 0.0
    return value_credit(habit, checkin.value)


def value_credit(habit: Habit, value: float) -> float:
    """How much of the day's goal a value meets, between 0 and 1."""
    if habit.kind is HabitKind.YES_NO:
        return 1.0 if value > 0 else 0.0
    target = habit.target
    if habit.target_type is TargetType.AT_LEAST:
        if target <= 0:
            return 1.0
        return min(1.0, value / target)
    if value <= target:
        return 1.0
    if target <= 0:
        return 0.0
    return max(0.0, min(1.0, 1.0 - (value - target) / target))
