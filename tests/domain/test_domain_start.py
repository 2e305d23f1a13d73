"""One start date everywhere: the earliest of the habit's start date and its first check-in."""

from __future__ import annotations

from datetime import date, timedelta

from sync_protocol.coach.facts import habit_facts
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.schedule import Schedule
from sync_protocol.domain.stats import analyze, effective_start

TODAY = date(2024, 6, 12)


def added_today(schedule: str = "daily") -> Habit:
    return Habit("0190a0b0-0000-7000-8000-0000000000d1", "W", Schedule.parse(schedule), TODAY)


def test_a_back_dated_check_in_moves_the_start_back() -> None:
    """``habit add W; habit done W --date -4``."""
    habit = added_today()
    four_days_ago = CheckIn(TODAY - timedelta(days=4), 1.0)
    assert effective_start(habit, [four_days_ago]) == TODAY - timedelta(days=4)
    assert effective_start(habit, []) == TODAY
    # a check-in after the start date does not move it; a skip is a check-in too
    assert effective_start(habit, [CheckIn(TODAY, 1.0)]) == TODAY
    assert effective_start(habit, [CheckIn(TODAY - timedelta(days=2), None, skipped=True)]) == TODAY - timedelta(days=2)


def test_completion_and_score_count_from_the_effective_start() -> None:
    habit = added_today()
    s = analyze(habit, [CheckIn(TODAY - timedelta(days=4), 1.0)], TODAY)
    # -4 done, -3 to -1 missed, nothing before -4 counted, today not over
    assert s.completion_rate == 1 / 4
    m = 0.5 ** (1 / 13)
    assert abs(s.score - (1 - m) * m**3) < 1e-12
    assert s.days_since_done == 4


def test_the_coach_counts_from_the_same_start() -> None:
    habit = added_today()
    f = habit_facts(habit, [CheckIn(TODAY - timedelta(days=4), 1.0)], TODAY)
    assert f.start == TODAY - timedelta(days=4)
    assert f.misses_by_weekday.count(1) == 3  # -3, -2, -1; nothing before the first check-in


def test_the_stats_carry_the_start_every_view_draws_from() -> None:
    """The board, the heatmap and the report read ``started`` rather than the start date alone."""
    habit = added_today()
    back = TODAY - timedelta(days=4)
    assert analyze(habit, [CheckIn(back, 1.0)], TODAY).started == back
    assert analyze(habit, [], TODAY).started == TODAY
    later = Habit(habit.id, "W", habit.schedule, TODAY + timedelta(days=3))
    assert analyze(later, [], TODAY).started == TODAY + timedelta(days=3)
