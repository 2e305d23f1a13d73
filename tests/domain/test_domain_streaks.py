"""Current and best streaks: hand-worked calendars and invariants over random histories."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.schedule import Schedule
from sync_protocol.domain.stats import HabitStats, analyze

HABIT_ID = "0190a0b0-0000-7000-8000-000000000001"


JAN_1 = date(2024, 1, 1)  # a Monday


def jan(day: int) -> date:
    """A day of January 2024 (from day 32 on, February and later)."""
    return JAN_1 + timedelta(days=day - 1)


def make_habit(
    schedule: str = "daily",
    *,
    start: date = JAN_1,
    target: float | None = None,
    at_most: bool = False,
) -> Habit:
    measurable = target is not None
    return Habit(
        id=HABIT_ID,
        name="habit",
        schedule=Schedule.parse(schedule),
        start_date=start,
        kind=HabitKind.MEASURABLE if measurable else HabitKind.YES_NO,
        target=target if target is not None else 1.0,
        target_type=TargetType.AT_MOST if at_most else TargetType.AT_LEAST,
    )


def stats(
    habit: Habit,
    today: date,
    done: Iterable[date] = (),
    skipped: Iterable[date] = (),
    values: dict[date, float] | None = None,
) -> HabitStats:
    checkins = [CheckIn(d, 1.0) for d in done]
    checkins += [CheckIn(d, None, skipped=True) for d in skipped]
    checkins += [CheckIn(d, v) for d, v in (values or {}).items()]
    return analyze(habit, checkins, today)


def streaks(s: HabitStats) -> tuple[int, int]:
    return s.current_streak, s.best_streak


def days_from(first: int, last: int) -> list[date]:
    return [jan(d) for d in range(first, last + 1)]


# ----- daily -----------------------------------------------------------------------------------


def test_daily_gap_breaks_the_streak() -> None:
    s = stats(make_habit(), jan(7), done=[*days_from(1, 4), *days_from(6, 7)])
    assert streaks(s) == (2, 4)


def test_today_not_done_yet_does_not_break_the_streak() -> None:
    habit = make_habit()
    s = stats(habit, jan(6), done=days_from(1, 5))
    assert streaks(s) == (5, 5)
    assert not s.done_today
    # once the day is over without a check-in, it does
    assert streaks(stats(habit, jan(7), done=days_from(1, 5))) == (0, 5)


def test_done_today_extends_the_streak() -> None:
    assert streaks(stats(make_habit(), jan(6), done=days_from(1, 6))) == (6, 6)


def test_skips_neither_break_nor_extend() -> None:
    habit = make_habit()
    s = stats(habit, jan(5), done=[*days_from(1, 3), jan(5)], skipped=[jan(4)])
    assert streaks(s) == (4, 4)
    # skipping today keeps yesterday's streak, as does the day after a skip
    assert streaks(stats(habit, jan(4), done=days_from(1, 3), skipped=[jan(4)])) == (3, 3)
    assert streaks(stats(habit, jan(5), done=days_from(1, 3), skipped=[jan(4)])) == (3, 3)


def test_a_habit_never_done_has_no_streak() -> None:
    s = stats(make_habit(), jan(10))
    assert streaks(s) == (0, 0)
    assert s.last_done is None


# ----- per week, per month, interval ----------------------------------------------------------


def test_three_per_week_across_weeks() -> None:
    habit = make_habit("3/week")
    done = [
        *[jan(1), jan(3), jan(5)],  # week 1: Mon, Wed, Fri
        *[jan(9), jan(11), jan(13)],  # week 2: Tue, Thu, Sat
        *[jan(15), jan(16)],  # week 3: only two
        *[jan(22), jan(23), jan(28)],  # week 4
    ]
    assert streaks(stats(habit, jan(28), done=done)) == (1, 2)
    # in the middle of week 3 the two good weeks still count
    assert streaks(stats(habit, jan(17), done=done[:8])) == (2, 2)
    # a skip excuses the third time but does not count as one: two done and one skipped
    # neither breaks the two good weeks nor extends them (without the skip the week is missed)
    assert streaks(stats(habit, jan(22), done=done[:8], skipped=[jan(19)])) == (2, 2)
    assert streaks(stats(habit, jan(22), done=done[:8])) == (0, 2)


def test_skipping_the_rest_of_a_period_neither_breaks_nor_extends_the_streak() -> None:
    habit = make_habit("3/week")
    done = [jan(1), jan(3), jan(5), jan(8)]
    # week 2: one done and three skipped: the skips excuse what is missing, so the week is
    # neutral: week 1's streak goes on, but week 2 does not add to it
    s = stats(habit, jan(15), done=done, skipped=[jan(9), jan(10), jan(11)])
    assert streaks(s) == (1, 1)


def test_ten_per_month() -> None:
    habit = make_habit("10/month")
    january = days_from(1, 10)
    february = [date(2024, 2, d) for d in range(1, 11)]
    march = [date(2024, 3, d) for d in range(1, 4)]
    assert streaks(stats(habit, date(2024, 3, 15), done=january + february + march)) == (2, 2)
    assert streaks(stats(habit, date(2024, 4, 1), done=january + february + march)) == (0, 2)
    assert streaks(stats(habit, date(2024, 3, 1), done=january + february[:9])) == (0, 1)


def test_every_three_days_is_counted_in_blocks_from_the_start_date() -> None:
    habit = make_habit("every 3 days")  # blocks Jan 1-3, 4-6, 7-9
    assert streaks(stats(habit, jan(9), done=[jan(2), jan(6), jan(7)])) == (3, 3)
    assert streaks(stats(habit, jan(9), done=[jan(2), jan(8)])) == (1, 1)
    # blocks start on the habit's start date: from Jan 2 they are 2-4 and 5-7
    moved = make_habit("every 3 days", start=jan(2))
    assert streaks(stats(moved, jan(7), done=[jan(4), jan(5)])) == (2, 2)
    assert streaks(stats(moved, jan(8), done=[jan(4), jan(5)])) == (2, 2)  # block 8-10 is in progress


def test_weekdays_count_each_scheduled_day() -> None:
    habit = make_habit("mon,wed,fri")
    assert streaks(stats(habit, jan(7), done=[jan(1), jan(3), jan(5)])) == (3, 3)


def test_weekdays_late_tuesday_check_in_counts_for_monday() -> None:
    habit = make_habit("mon,wed,fri")
    assert streaks(stats(habit, jan(7), done=[jan(2), jan(3), jan(5)])) == (3, 3)
    # Thursday covers Wednesday too
    assert streaks(stats(habit, jan(7), done=[jan(1), jan(4), jan(5)])) == (3, 3)


def test_weekdays_missing_monday_and_tuesday_breaks_the_streak() -> None:
    habit = make_habit("mon,wed,fri")
    s = stats(habit, jan(10), done=[jan(1), jan(3), jan(5), jan(10)])
    assert streaks(s) == (1, 3)
    # but on Tuesday Monday's period is still open
    assert streaks(stats(habit, jan(9), done=[jan(1), jan(3), jan(5)])) == (3, 3)


def test_weekdays_skipping_an_unscheduled_day_keeps_the_scheduled_one() -> None:
    habit = make_habit("mon,wed,fri")
    s = stats(habit, jan(3), done=[jan(1), jan(3)], skipped=[jan(2)])
    assert streaks(s) == (2, 2)


# ----- measurable ------------------------------------------------------------------------------


def test_measurable_at_least_needs_the_target() -> None:
    habit = make_habit(target=8)
    values = {jan(1): 8.0, jan(2): 10.0, jan(3): 5.0, jan(4): 8.0}
    assert streaks(stats(habit, jan(4), values=values)) == (1, 2)


def test_measurable_at_most_allows_up_to_the_target() -> None:
    quit_smoking = make_habit(target=0, at_most=True)
    values = {jan(1): 0.0, jan(2): 0.0, jan(3): 2.0, jan(4): 0.0, jan(5): 0.0}
    assert streaks(stats(quit_smoking, jan(5), values=values)) == (2, 2)
    coffee = make_habit(target=5, at_most=True)
    assert streaks(stats(coffee, jan(3), values={jan(1): 5.0, jan(2): 6.0, jan(3): 3.0})) == (1, 1)


# ----- invariants over random histories --------------------------------------------------------

SCHEDULES = ["daily", "mon,wed,fri", "tue", "3/week", "1/week", "10/month", "2/month", "every 2 days", "every 5 days"]

CHECK = st.one_of(st.just("done"), st.just("skip"), st.floats(0, 12, allow_nan=False))


@st.composite
def histories(draw: st.DrawFn) -> tuple[Habit, date, dict[date, str | float]]:
    """A habit, a 'today', and a history of check-ins around its start date."""
    kind = draw(st.sampled_from(["yes_no", "at_least", "at_most"]))
    schedule = draw(st.sampled_from(SCHEDULES))
    start = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 60)))
    if kind == "yes_no":
        habit = make_habit(schedule, start=start)
    else:
        habit = make_habit(
            schedule, start=start, target=draw(st.sampled_from([0.0, 2.0, 8.0])), at_most=kind == "at_most"
        )
    today = start + timedelta(days=draw(st.integers(0, 90)))
    offsets = st.integers(-10, (today - start).days + 2)
    raw = draw(st.dictionaries(offsets, CHECK, max_size=60))
    return habit, today, {start + timedelta(days=o): v for o, v in raw.items()}


def to_checkins(habit: Habit, history: dict[date, str | float]) -> list[CheckIn]:
    checkins = []
    for day, entry in history.items():
        if entry == "skip":
            checkins.append(CheckIn(day, None, skipped=True))
        elif habit.kind is HabitKind.YES_NO:
            checkins.append(CheckIn(day, 1.0))
        else:
            checkins.append(CheckIn(day, habit.target if entry == "done" else float(entry)))
    return checkins


def evaluate(habit: Habit, today: date, history: dict[date, str | float]) -> HabitStats:
    return analyze(habit, to_checkins(habit, history), today)


def empty_days(habit: Habit, today: date, history: dict[date, str | float]) -> list[date]:
    first = habit.start_date - timedelta(days=10)
    return [
        first + timedelta(days=i) for i in range((today - first).days + 1) if first + timedelta(days=i) not in history
    ]


@settings(max_examples=100, deadline=None)
@given(case=histories())
def test_streaks_and_score_stay_in_bounds(case: tuple[Habit, date, dict[date, str | float]]) -> None:
    habit, today, history = case
    s = evaluate(habit, today, history)
    assert 0 <= s.current_streak <= s.best_streak
    assert 0.0 <= s.score <= 1.0
    assert s.completion_rate is None or 0.0 <= s.completion_rate <= 1.0
    assert s.period_end >= today


def _marking_a_free_day(
    case: tuple[Habit, date, dict[date, str | float]], data: st.DataObject, mark: str
) -> tuple[HabitStats, HabitStats]:
    """Stats before and after marking one day without a check-in (the same twice if none is free)."""
    habit, today, history = case
    before = evaluate(habit, today, history)
    free = empty_days(habit, today, history)
    if not free:
        return before, before
    day = data.draw(st.sampled_from(free))
    return before, evaluate(habit, today, {**history, day: mark})


@settings(max_examples=100, deadline=None)
@given(case=histories(), data=st.data())
def test_adding_a_check_in_never_lowers_the_best_streak(
    case: tuple[Habit, date, dict[date, str | float]], data: st.DataObject
) -> None:
    before, after = _marking_a_free_day(case, data, "done")
    assert after.best_streak >= before.best_streak


@settings(max_examples=100, deadline=None)
@given(case=histories(), data=st.data())
def test_skipping_a_missed_day_never_lowers_a_streak(
    case: tuple[Habit, date, dict[date, str | float]], data: st.DataObject
) -> None:
    # A quit habit's empty past day is met, not missed: skipping it may well end a run.
    assume(not (case[0].is_measurable and case[0].target_type is TargetType.AT_MOST))
    before, after = _marking_a_free_day(case, data, "skip")
    assert after.current_streak >= before.current_streak
    assert after.best_streak >= before.best_streak


@settings(max_examples=100, deadline=None)
@given(case=histories())
def test_shortcuts_agree_with_the_day_by_day_evaluation(case: tuple[Habit, date, dict[date, str | float]]) -> None:
    """Without a score series the score is folded over the counted days at once; the day-by-day
    walk that fills a series must give the same stats."""
    habit, today, history = case
    for variant in (habit, replace(habit, schedule=Schedule.parse("daily"))):
        checkins = to_checkins(variant, history)
        fast = analyze(variant, checkins, today)
        series: list[tuple[date, float]] = []
        walked = analyze(variant, checkins, today, series=series)
        assert replace(walked, score=0.0) == replace(fast, score=0.0)
        assert walked.score == pytest.approx(fast.score, abs=1e-9)
        assert series[-1][0] == today
        assert series[-1][1] == pytest.approx(walked.score)
        assert [d for d, _ in series] == sorted({d for d, _ in series})


@settings(max_examples=60, deadline=None)
@given(
    schedule=st.sampled_from(["daily", "mon,wed,fri", "3/week", "2/month", "every 3 days"]),
    days=st.lists(st.tuples(st.integers(0, 120), st.booleans()), max_size=80),
)
def test_previous_record_is_the_longest_run_closed_before_the_current_one(
    schedule: str, days: list[tuple[int, bool]]
) -> None:
    from sync_protocol.domain.stats import PeriodResult, PeriodState, analyze

    today = date(2026, 6, 30)
    habit = Habit("01a20f71-2dc4-777e-8b75-f4bc2f00cd4b", "H", Schedule.parse(schedule), today - timedelta(days=120))
    checkins = {
        today - timedelta(days=d): CheckIn(today - timedelta(days=d), None if skip else 1.0, skip) for d, skip in days
    }
    periods: list[PeriodResult] = []
    fast = analyze(habit, checkins.values(), today)
    analyze(habit, checkins.values(), today, periods_out=periods)
    run = record = 0
    for p in periods:
        if p.state is PeriodState.SATISFIED:
            run += 1
        elif p.state is PeriodState.MISSED:
            record = max(record, run)
            run = 0
    assert fast.previous_record == record
    assert fast.current_streak == run
