"""Histories of at-risk habits that coach tests share."""

from __future__ import annotations

from datetime import date, timedelta

from sync_protocol.coach.facts import HabitFacts, habit_facts
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit
from tests.report.sample import make_habit, span

TODAY = date(2025, 11, 24)  # a Monday
NOTE = "talked with Aunt Mary at mary@example.com"


def saturday_slipper() -> tuple[Habit, list[CheckIn]]:
    """A daily habit missed on Saturdays until November, then done every day: a 22-day streak."""
    habit = make_habit("Call mom", start=date(2025, 8, 1))
    days = [d for d in span(habit.start_date, TODAY - timedelta(days=1)) if d.weekday() != 5 or d >= date(2025, 11, 2)]
    days.remove(date(2025, 10, 14))
    checkins = [CheckIn(d, 1.0, note=NOTE if d == date(2025, 11, 20) else "") for d in days]
    return habit, checkins


def stalled() -> tuple[Habit, list[CheckIn]]:
    """Done every day for two months, then not at all for the last ten days."""
    habit = make_habit("Guitar practice", start=date(2025, 9, 1), position=1)
    return habit, [CheckIn(d, 1.0) for d in span(habit.start_date, TODAY - timedelta(days=11))]


def slipper_facts() -> HabitFacts:
    habit, checkins = saturday_slipper()
    return habit_facts(habit, checkins, TODAY)


def stalled_facts() -> HabitFacts:
    habit, checkins = stalled()
    return habit_facts(habit, checkins, TODAY)
