"""Quit (at-most) habits follow Loop Habit Tracker: a past day with no entry counts as 0, which
meets the goal, and ``done`` without a value records 0."""

from __future__ import annotations

from datetime import date, timedelta

from sync_protocol.domain.checkin import CheckIn, done_value
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.schedule import Schedule
from sync_protocol.domain.stats import analyze

TODAY = date(2024, 6, 12)


def quit_habit(limit: float = 0.0, *, start_days_ago: int = 10, schedule: str = "daily") -> Habit:
    return Habit(
        id="0190a0b0-0000-7000-8000-0000000000c1",
        name="Smoking",
        schedule=Schedule.parse(schedule),
        start_date=TODAY - timedelta(days=start_days_ago),
        kind=HabitKind.MEASURABLE,
        unit="cigarettes",
        target=limit,
        target_type=TargetType.AT_MOST,
    )


def ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_past_days_without_an_entry_are_met() -> None:
    s = analyze(quit_habit(start_days_ago=10), [], TODAY)
    assert (s.current_streak, s.best_streak) == (10, 10)  # the ten days before today
    assert s.completion_rate == 1.0
    assert s.score == 1.0
    assert s.last_done == ago(1)
    assert s.total_done == 0  # no check-in was made
    # today is not over: it neither counts yet nor asks for anything (doing nothing keeps it)
    assert not s.done_today
    assert not s.due_today and not s.at_risk and not s.period_lost


def test_a_day_over_the_limit_breaks_the_run_and_empty_days_start_a_new_one() -> None:
    s = analyze(quit_habit(limit=2, start_days_ago=10), [CheckIn(ago(4), 5.0)], TODAY)
    assert (s.current_streak, s.best_streak) == (3, 6)
    assert s.completion_rate == 9 / 10


def test_today_counts_once_entered() -> None:
    kept = analyze(quit_habit(start_days_ago=3), [CheckIn(TODAY, 0.0)], TODAY)
    assert kept.done_today and kept.current_streak == 4
    over = analyze(quit_habit(start_days_ago=3), [CheckIn(TODAY, 1.0)], TODAY)
    assert not over.done_today
    assert over.current_streak == 3  # today is not over: the run is not broken yet


def test_done_without_a_value_records_zero_for_a_quit_habit() -> None:
    assert done_value(quit_habit(limit=5)) == 0.0
    water = Habit("0190a0b0-0000-7000-8000-0000000000c2", "Water", Schedule.parse("daily"), TODAY)
    assert done_value(water) == 1.0
    measured = Habit(
        "0190a0b0-0000-7000-8000-0000000000c3", "Read", Schedule.parse("daily"), TODAY, HabitKind.MEASURABLE, target=20
    )
    assert done_value(measured) == 20.0
