"""The Loop-style habit strength score (DESIGN.md section 2)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.schedule import Schedule
from sync_protocol.domain.stats import analyze

HABIT_ID = "0190a0b0-0000-7000-8000-000000000002"
TODAY = date(2024, 6, 30)
DAILY_M = 0.5 ** (1 / 13)


def make_habit(
    schedule: str = "daily", *, start: date = TODAY, target: float | None = None, at_most: bool = False
) -> Habit:
    return Habit(
        id=HABIT_ID,
        name="habit",
        schedule=Schedule.parse(schedule),
        start_date=start,
        kind=HabitKind.YES_NO if target is None else HabitKind.MEASURABLE,
        target=1.0 if target is None else target,
        target_type=TargetType.AT_MOST if at_most else TargetType.AT_LEAST,
    )


def ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def test_one_perfect_day_from_zero() -> None:
    s = analyze(make_habit(), [CheckIn(TODAY, 1.0)], TODAY)
    assert round(s.score, 6) == 0.051922


def test_a_hundred_perfect_days_come_close_to_full_strength() -> None:
    habit = make_habit(start=ago(99))
    s = analyze(habit, [CheckIn(ago(i), 1.0) for i in range(100)], TODAY)
    assert s.score == pytest.approx(1 - DAILY_M**100)
    assert s.score > 0.99


def test_less_frequent_habits_move_slower() -> None:
    daily = analyze(make_habit(), [CheckIn(TODAY, 1.0)], TODAY)
    weekly = analyze(make_habit("1/week"), [CheckIn(TODAY, 1.0)], TODAY)
    m = 0.5 ** (math.sqrt(1 / 7) / 13)
    # Loop doubles a yes/no habit's window when f < 1: one done day in the last 14 of 2 needed
    assert weekly.score == pytest.approx((1 - m) * 0.5)
    assert 0 < weekly.score < daily.score


def test_missed_days_lower_the_score() -> None:
    habit = make_habit(start=ago(2))
    s = analyze(habit, [CheckIn(ago(2), 1.0)], TODAY)
    # the missed day yesterday decays it; today, not done yet, does not
    assert s.score == pytest.approx((1 - DAILY_M) * DAILY_M)


def test_today_not_done_leaves_the_score_alone() -> None:
    habit = make_habit(start=ago(1))
    yesterday_only = analyze(habit, [CheckIn(ago(1), 1.0)], TODAY)
    assert yesterday_only.score == pytest.approx(1 - DAILY_M)


def test_a_skipped_day_leaves_the_score_unchanged() -> None:
    habit = make_habit(start=ago(2))
    with_skip = analyze(habit, [CheckIn(ago(2), 1.0), CheckIn(ago(1), None, skipped=True), CheckIn(TODAY, 1.0)], TODAY)
    two_days = analyze(make_habit(start=ago(1)), [CheckIn(ago(1), 1.0), CheckIn(TODAY, 1.0)], TODAY)
    assert with_skip.score == pytest.approx(two_days.score)


@pytest.mark.parametrize(
    ("target", "at_most", "value", "credit"),
    [
        (8.0, False, 8.0, 1.0),
        (8.0, False, 12.0, 1.0),
        (8.0, False, 4.0, 0.5),
        (8.0, False, 0.0, 0.0),
        (2.0, True, 1.0, 1.0),
        (2.0, True, 2.0, 1.0),
        (2.0, True, 3.0, 0.5),
        (2.0, True, 4.0, 0.0),
        (2.0, True, 9.0, 0.0),
        (0.0, True, 0.0, 1.0),
        (0.0, True, 1.0, 0.0),
    ],
)
def test_measurable_habits_earn_partial_credit(target: float, at_most: bool, value: float, credit: float) -> None:
    habit = make_habit(start=ago(1), target=target, at_most=at_most)
    s = analyze(habit, [CheckIn(ago(1), value)], TODAY)
    start = 1.0 if at_most else 0.0  # Loop starts an at-most habit's score at 1
    assert s.score == pytest.approx(DAILY_M * start + (1 - DAILY_M) * credit)


# ----- properties over daily histories ---------------------------------------------------------

DAY_STATES = st.lists(st.sampled_from(["done", "miss", "skip"]), min_size=1, max_size=60)


def daily_score(states: list[str]) -> float:
    """Score of a daily habit whose last state is today's."""
    start = TODAY - timedelta(days=len(states) - 1)
    checkins = []
    for i, state in enumerate(states):
        day = start + timedelta(days=i)
        if state == "done":
            checkins.append(CheckIn(day, 1.0))
        elif state == "skip":
            checkins.append(CheckIn(day, None, skipped=True))
    return analyze(make_habit(start=start), checkins, TODAY).score


@settings(max_examples=100, deadline=None)
@given(states=DAY_STATES)
def test_score_follows_the_formula(states: list[str]) -> None:
    expected = 0.0
    for i, state in enumerate(states):
        is_today = i == len(states) - 1
        if state == "skip" or (is_today and state == "miss"):
            continue
        expected = DAILY_M * expected + (1 - DAILY_M) * (1.0 if state == "done" else 0.0)
    assert daily_score(states) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(states=DAY_STATES, data=st.data())
def test_another_completion_never_lowers_the_score(states: list[str], data: st.DataObject) -> None:
    misses = [i for i, s in enumerate(states) if s != "done"]
    if not misses:
        return
    i = data.draw(st.sampled_from(misses))
    better = [*states[:i], "done", *states[i + 1 :]]
    before, after = daily_score(states), daily_score(better)
    assert 0.0 <= before <= after <= 1.0
    if states[i] == "miss":
        assert after > before


@settings(max_examples=100, deadline=None)
@given(states=DAY_STATES, data=st.data())
def test_inserting_a_skipped_day_changes_nothing(states: list[str], data: st.DataObject) -> None:
    """A skip in the past is as if the day were not on the calendar at all."""
    i = data.draw(st.integers(0, len(states) - 1))
    with_skip = [*states[:i], "skip", *states[i:]]
    assert daily_score(with_skip) == pytest.approx(daily_score(states), abs=1e-12)
