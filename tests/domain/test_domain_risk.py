"""At-risk habits: a streak that breaks unless the habit is done in time, or a long silence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.schedule import Schedule
from sync_protocol.domain.stats import HabitStats, analyze

HABIT_ID = "0190a0b0-0000-7000-8000-000000000003"
TODAY = date(2024, 6, 12)  # a Wednesday


def ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def evaluate(
    schedule: str,
    done: list[date],
    *,
    start: date | None = None,
    skipped: tuple[date, ...] = (),
    today: date = TODAY,
    risk_days: int | None = None,
) -> HabitStats:
    start = start or ago(30)
    habit = Habit(id=HABIT_ID, name="habit", schedule=Schedule.parse(schedule), start_date=start)
    checkins = [CheckIn(d, 1.0) for d in done] + [CheckIn(d, None, skipped=True) for d in skipped]
    return analyze(habit, checkins, today, risk_days=risk_days)


def test_daily_streak_not_done_today_is_at_risk() -> None:
    s = evaluate("daily", [ago(3), ago(2), ago(1)])
    assert s.current_streak == 3
    assert s.due_today
    assert s.at_risk


def test_daily_streak_done_today_is_safe() -> None:
    s = evaluate("daily", [ago(3), ago(2), ago(1), TODAY])
    assert not s.at_risk
    assert not s.due_today


def test_skipped_today_is_safe() -> None:
    s = evaluate("daily", [ago(2), ago(1)], skipped=(TODAY,))
    assert not s.at_risk
    assert not s.due_today


def test_no_streak_means_nothing_to_lose() -> None:
    s = evaluate("daily", [ago(5)])
    assert s.current_streak == 0
    assert not s.at_risk


@pytest.mark.parametrize(("risk_days", "at_risk"), [(2, True), (3, True), (4, False)])
def test_risk_days_flags_habits_not_done_for_that_many_days(risk_days: int, at_risk: bool) -> None:
    s = evaluate("daily", [ago(3)], risk_days=risk_days)
    assert s.days_since_done == 3
    assert s.at_risk is at_risk


def test_risk_days_counts_from_the_start_when_never_done() -> None:
    assert evaluate("daily", [], start=ago(5), risk_days=5).at_risk
    assert not evaluate("daily", [], start=ago(5), risk_days=6).at_risk


def test_risk_days_never_flags_a_habit_done_today() -> None:
    assert not evaluate("daily", [TODAY], risk_days=0).at_risk


def test_risk_days_leaves_a_habit_whose_period_is_already_met_alone() -> None:
    # 1/week done on Monday of this week: nothing is due until next week
    s = evaluate("1/week", [ago(2)], risk_days=1)
    assert s.needed_this_period == 0
    assert not s.at_risk


def test_weekly_habit_is_at_risk_once_every_remaining_day_is_needed() -> None:
    """Chosen rule: a period with slack left is not at risk yet; it is when no day can be spared."""
    done = [date(2024, 6, 3), date(2024, 6, 4), date(2024, 6, 5), date(2024, 6, 10)]  # week before: 3 done
    friday, saturday = date(2024, 6, 14), date(2024, 6, 15)
    on_friday = evaluate("3/week", done, today=friday)  # 2 needed, Fri-Sun left
    assert (on_friday.current_streak, on_friday.needed_this_period) == (1, 2)
    assert on_friday.period_end == date(2024, 6, 16)
    assert not on_friday.at_risk
    on_saturday = evaluate("3/week", done, today=saturday)  # 2 needed, Sat-Sun left
    assert on_saturday.at_risk


def test_weekday_habit_on_its_last_day_is_at_risk() -> None:
    # mon,wed,fri with the last two periods kept; Monday 10th's period ends Tuesday 11th
    done = [date(2024, 6, 5), date(2024, 6, 7)]
    monday, tuesday = date(2024, 6, 10), date(2024, 6, 11)
    assert not evaluate("mon,wed,fri", done, today=monday).at_risk
    on_tuesday = evaluate("mon,wed,fri", done, today=tuesday)
    assert on_tuesday.current_streak == 2
    assert on_tuesday.at_risk


# ----- a period that can no longer be met is lost, not at risk -------------------------------------


def test_a_week_that_cannot_be_met_any_more_is_lost_not_at_risk() -> None:
    """5/week with nothing done by Saturday: 5 more cannot fit in Saturday and Sunday."""
    last_week = [date(2024, 5, 27) + timedelta(days=i) for i in range(5)]
    saturday = date(2024, 6, 8)
    s = evaluate("5/week", last_week, start=date(2024, 5, 27), today=saturday, risk_days=3)
    assert s.current_streak == 1
    assert s.needed_this_period == 5
    assert s.period_lost
    assert not s.at_risk
    # On Wednesday the same week could still be met, and every day left is needed: at risk.
    wednesday = evaluate("5/week", last_week, start=date(2024, 5, 27), today=date(2024, 6, 5))
    assert not wednesday.period_lost
    assert wednesday.at_risk


def test_a_week_done_today_with_more_needed_than_days_left_is_lost() -> None:
    """3/week: done Saturday only; one check-in a day, so Sunday alone cannot bring two more."""
    done = [date(2024, 6, 3), date(2024, 6, 4), date(2024, 6, 5), date(2024, 6, 15)]
    s = evaluate("3/week", done, today=date(2024, 6, 15))
    assert (s.current_streak, s.needed_this_period) == (1, 2)
    assert s.period_lost
    assert not s.at_risk


def test_a_quit_habit_over_its_limit_today_is_lost_not_at_risk() -> None:
    habit = Habit(
        id=HABIT_ID,
        name="Coffee",
        schedule=Schedule.parse("daily"),
        start_date=ago(12),
        kind=HabitKind.MEASURABLE,
        unit="cups",
        target=5,
        target_type=TargetType.AT_MOST,
    )
    s = analyze(habit, [CheckIn(TODAY, 7.0)], TODAY, risk_days=3)
    assert s.current_streak == 12
    assert s.period_lost
    assert not s.at_risk
    # Under the limit, or nothing logged yet: nothing is at stake.
    for today in ([CheckIn(TODAY, 4.0)], []):
        s = analyze(habit, today, TODAY, risk_days=3)
        assert not s.period_lost and not s.at_risk and s.needed_this_period == 0
