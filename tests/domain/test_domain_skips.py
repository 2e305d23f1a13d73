"""One rule for skips, whatever the schedule: a skip neither breaks a streak nor extends it.

Each schedule kind gets the same story: a period done in full, then a period to test, then
another period done in full, and today at the start of a fourth. A skipped day excuses one
completion, so the middle period holding one completion fewer than its target and one skip
is neutral: the streak is the two full periods (it does not break, and the skip does not add a
period). Without the skip the middle period is missed; done in full it counts.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.schedule import Period, Schedule
from sync_protocol.domain.stats import analyze

START = date(2024, 1, 1)  # a Monday, the first day of a month
SCHEDULES = ["daily", "mon,wed,fri", "3/week", "2/month", "every 3 days", "2 in 3 days"]


def four_periods(schedule: Schedule) -> list[Period]:
    return schedule.periods(START, START + timedelta(days=120), START)[:4]


def days_of(p: Period) -> list[date]:
    return [p.start + timedelta(days=i) for i in range(p.days)]


def streaks(text: str, middle_done: int, middle_skipped: int) -> tuple[int, int]:
    schedule = Schedule.parse(text)
    first, middle, third, fourth = four_periods(schedule)
    habit = Habit("0190a0b0-0000-7000-8000-0000000000b1", "habit", schedule, START)
    done = days_of(first)[: first.target] + days_of(third)[: third.target] + days_of(middle)[:middle_done]
    skipped = days_of(middle)[middle_done : middle_done + middle_skipped]
    checkins = [CheckIn(d, 1.0) for d in done] + [CheckIn(d, None, skipped=True) for d in skipped]
    s = analyze(habit, checkins, fourth.start)
    return s.current_streak, s.best_streak


@pytest.mark.parametrize("text", SCHEDULES)
def test_a_skip_excuses_a_completion_but_is_not_one(text: str) -> None:
    target = four_periods(Schedule.parse(text))[1].target
    assert streaks(text, target, 0) == (3, 3)  # the middle period done in full extends the streak
    assert streaks(text, target - 1, 1) == (2, 2)  # one short, one skipped: neither breaks nor extends
    assert streaks(text, target - 1, 0) == (1, 1)  # one short, nothing skipped: the streak breaks


@pytest.mark.parametrize("text", SCHEDULES)
def test_a_period_skipped_throughout_is_neutral(text: str) -> None:
    middle = four_periods(Schedule.parse(text))[1]
    assert streaks(text, 0, middle.days) == (2, 2)


@pytest.mark.parametrize("text", ["3/week", "2/month", "2 in 3 days"])
def test_skips_never_make_up_for_more_than_themselves(text: str) -> None:
    """Two short and one skipped is still one short: missed."""
    target = four_periods(Schedule.parse(text))[1].target
    assert streaks(text, target - 2, 1) == (1, 1)
