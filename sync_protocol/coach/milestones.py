"""Milestones worth announcing after a check-in: the first one, round streaks, a new personal best.

Pure: compare the state before a check-in with the state after it. Each milestone is
announced once, on the check-in that reaches it: extending a record run day after day is one
personal best, not one a day. Undoing a check-in and doing it again reaches the same milestone
(:attr:`Milestone.key`) again; the client records what it announced and stays quiet then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal, NamedTuple

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.schedule import StreakUnit
from sync_protocol.domain.stats import HabitStats, analyze

STREAK_MARKS: dict[StreakUnit, tuple[int, ...]] = {
    StreakUnit.DAYS: (7, 30, 100, 365),
    StreakUnit.WEEKS: (4, 12, 26, 52),
    StreakUnit.MONTHS: (3, 6, 12),
    StreakUnit.TIMES: (7, 30, 100, 365),
}
MIN_RECORD = 3
"""A previous best shorter than this is not a record worth beating out loud."""

MilestoneKind = Literal["first_checkin", "streak", "personal_best"]


class StreakState(NamedTuple):
    total_done: int
    current_streak: int
    best_streak: int
    previous_record: int
    """The longest run that ended before the current one."""
    streak_start: date | None = None
    """The first day of the current run."""


class Milestone(NamedTuple):
    kind: MilestoneKind
    habit: str
    length: int
    unit: StreakUnit
    previous: int = 0
    since: date | None = None
    """The first day of the run that reached it (streaks and personal bests)."""

    @property
    def key(self) -> tuple[str, int, str]:
        """What makes two announcements the same milestone: the first check-in is one per habit; a
        streak mark or a personal best is one per run (a new run reaching 7 days is a new one)."""
        if self.kind == "first_checkin":
            return (self.kind, 0, "")
        return (self.kind, self.length, self.since.isoformat() if self.since else "")

    @property
    def message(self) -> str:
        match self.kind:
            case "first_checkin":
                return f"First check-in for {self.habit}: every streak starts with one."
            case "streak":
                return f"{self.habit}: {self.unit.text(self.length)} in a row{_flourish(self.length, self.unit)}"
            case "personal_best":
                return (
                    f"{self.habit}: new personal best, {self.unit.text(self.length)} in a row "
                    f"(the old one was {self.previous})."
                )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "habit": self.habit,
            "length": self.length,
            "unit": self.unit,
            "message": self.message,
        }


def streak_state(habit: Habit, checkins: Sequence[CheckIn], today: date) -> StreakState:
    return state_of(analyze(habit, checkins, today))


def state_of(stats: HabitStats) -> StreakState:
    return StreakState(
        total_done=stats.total_done,
        current_streak=stats.current_streak,
        best_streak=stats.best_streak,
        previous_record=stats.previous_record,
        streak_start=stats.streak_start,
    )


def stats_milestone(habit: Habit, before: HabitStats, after: HabitStats) -> Milestone | None:
    """The milestone between two evaluations of the same habit (before and after one check-in)."""
    return milestone(state_of(before), state_of(after), habit=habit.name, unit=habit.schedule.unit)


def milestone(before: StreakState, after: StreakState, *, habit: str, unit: str) -> Milestone | None:
    """The one milestone a change from ``before`` to ``after`` reaches, the most notable first.

    ``unit`` is a :class:`StreakUnit` value (``d``, ``w``, ``mo``, ``x``)."""
    streak_unit = StreakUnit(unit)
    if after.current_streak > before.current_streak:
        crossed = [m for m in STREAK_MARKS[streak_unit] if before.current_streak < m <= after.current_streak]
        if crossed:
            return Milestone("streak", habit, crossed[-1], streak_unit, since=after.streak_start)
        record = after.previous_record
        if record >= MIN_RECORD and before.current_streak <= record < after.current_streak:
            return Milestone(
                "personal_best", habit, after.current_streak, streak_unit, previous=record, since=after.streak_start
            )
    if before.total_done == 0 and after.total_done > 0:
        return Milestone("first_checkin", habit, after.current_streak, streak_unit)
    return None


def checkin_milestone(
    habit: Habit, before: Sequence[CheckIn], after: Sequence[CheckIn], today: date
) -> Milestone | None:
    """The milestone that changing ``before`` into ``after`` (one check-in) reaches, if any."""
    return milestone(
        streak_state(habit, before, today),
        streak_state(habit, after, today),
        habit=habit.name,
        unit=habit.schedule.unit,
    )


_DAY_FLOURISH = {7: ": a full week.", 30: ": a month without a gap.", 100: ": triple digits.", 365: ": a whole year."}


def _flourish(length: int, unit: StreakUnit) -> str:
    if unit is StreakUnit.DAYS:
        return _DAY_FLOURISH.get(length, ".")
    if (unit, length) in ((StreakUnit.WEEKS, 52), (StreakUnit.MONTHS, 12)):
        return ": a whole year."
    return "."
