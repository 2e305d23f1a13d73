"""Habits: yes/no or measurable, with a schedule and display attributes.

What each field may hold, and how it is written, is in :mod:`sync_protocol.domain.fields`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sync_protocol.domain.schedule import Schedule


class HabitKind(StrEnum):
    YES_NO = "yes_no"
    MEASURABLE = "measurable"


class TargetType(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


@dataclass(frozen=True, slots=True)
class Habit:
    id: str
    name: str
    schedule: Schedule
    start_date: date
    kind: HabitKind = HabitKind.YES_NO
    description: str = ""
    unit: str = ""
    target: float = 1.0
    target_type: TargetType = TargetType.AT_LEAST
    tags: tuple[str, ...] = field(default_factory=tuple)
    color: str = ""
    position: int = 0
    archived: bool = False

    @property
    def is_measurable(self) -> bool:
        return self.kind is HabitKind.MEASURABLE

    def goal_text(self) -> str:
        """``at least 8 glasses`` / ``at most 0 cigarettes`` / ``yes/no``."""
        if not self.is_measurable:
            return "yes/no"
        words = "at least" if self.target_type is TargetType.AT_LEAST else "at most"
        return f"{words} {format_number(self.target)} {self.unit}".rstrip()


NO_RATE = "n/a"
"""A rate of nothing: nothing was due yet (``–`` marks a skipped day, and only that)."""


def format_rate(rate: float | None) -> str:
    """``83%``, or ``n/a`` when nothing was due: every completion rate and score, in every output."""
    return NO_RATE if rate is None else f"{round(rate * 100)}%"


def format_number(value: float) -> str:
    """``3`` for 3.0, ``2.5`` for 2.5: numbers as a person writes them."""
    if value == int(value):
        return str(int(value))
    return f"{value:g}"
