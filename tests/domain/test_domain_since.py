"""``analyze(..., since=day)`` hands over only the periods and daily scores from ``day`` on (what a
report of a week needs), the same as a full evaluation has them; each period knows the streak it
extends or breaks."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.stats import PeriodResult, PeriodState, analyze
from tests.domain.test_domain_streaks import histories, jan, make_habit, to_checkins

Case = tuple[Habit, date, dict[date, str | float]]


@settings(max_examples=200, deadline=None)
@given(case=histories(), data=st.data())
def test_since_keeps_the_tail_of_the_full_evaluation(case: Case, data: st.DataObject) -> None:
    habit, today, history = case
    checkins = to_checkins(habit, history)
    since = today - timedelta(days=data.draw(st.integers(-3, (today - habit.start_date).days + 12)))
    periods: list[PeriodResult] = []
    series: list[tuple[date, float]] = []
    full = analyze(habit, checkins, today, periods_out=periods, series=series)
    tail_periods: list[PeriodResult] = []
    tail_series: list[tuple[date, float]] = []
    assert analyze(habit, checkins, today, periods_out=tail_periods, series=tail_series, since=since) == full
    assert tail_periods == [p for p in periods if p.period.end >= since]
    assert tail_series == [(day, score) for day, score in series if day >= since]


@settings(max_examples=150, deadline=None)
@given(case=histories())
def test_each_period_knows_the_streak_before_it(case: Case) -> None:
    habit, today, history = case
    periods: list[PeriodResult] = []
    stats = analyze(habit, to_checkins(habit, history), today, periods_out=periods)
    run = 0
    for p in periods:
        assert p.streak_before == run
        if p.state is PeriodState.SATISFIED:
            run += 1
        elif p.state is PeriodState.MISSED:
            run = 0
    assert run == stats.current_streak


def test_a_missed_day_knows_the_streak_it_broke() -> None:
    habit = make_habit()
    checkins = [CheckIn(jan(d), 1.0) for d in (*range(1, 6), 7, 8)]
    periods: list[PeriodResult] = []
    analyze(habit, checkins, jan(10), periods_out=periods, since=jan(6))
    assert [(p.period.start.day, p.state, p.streak_before) for p in periods] == [
        (6, PeriodState.MISSED, 5),
        (7, PeriodState.SATISFIED, 0),
        (8, PeriodState.SATISFIED, 1),
        (9, PeriodState.MISSED, 2),
        (10, PeriodState.NEUTRAL, 0),
    ]
