"""The schedule grammar and the periods a schedule divides time into."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.schedule import Schedule, ScheduleKind

SHORT = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

weekday_sets = st.frozensets(st.integers(0, 6), min_size=1, max_size=6)

canonical_texts = st.one_of(
    st.just("daily"),
    weekday_sets.map(lambda days: ",".join(SHORT[d] for d in sorted(days))),
    st.integers(1, 6).map(lambda n: f"{n}/week"),
    st.integers(1, 31).map(lambda n: f"{n}/month"),
    st.integers(2, 365).map(lambda n: f"every {n} days"),
    st.integers(3, 365).flatmap(lambda m: st.integers(2, m - 1).map(lambda n: f"{n} in {m} days")),
)

schedules = st.one_of(
    st.just(Schedule(ScheduleKind.DAILY)),
    weekday_sets.map(lambda days: Schedule(ScheduleKind.WEEKDAYS, count=len(days), weekdays=days)),
    st.integers(1, 6).map(lambda n: Schedule(ScheduleKind.PER_WEEK, count=n)),
    st.integers(1, 31).map(lambda n: Schedule(ScheduleKind.PER_MONTH, count=n)),
    st.integers(2, 365).map(lambda n: Schedule(ScheduleKind.EVERY, count=n)),
    st.integers(3, 365).flatmap(
        lambda m: st.integers(2, m - 1).map(lambda n: Schedule(ScheduleKind.IN_DAYS, count=n, span=m))
    ),
)

days = st.dates(min_value=date(1999, 1, 1), max_value=date(2099, 12, 31))


# ----- round trip ------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(text=canonical_texts)
def test_canonical_text_prints_back_exactly(text: str) -> None:
    assert str(Schedule.parse(text)) == text


@settings(max_examples=100, deadline=None)
@given(schedule=schedules)
def test_schedule_survives_printing_and_parsing(schedule: Schedule) -> None:
    assert Schedule.parse(str(schedule)) == schedule


@settings(max_examples=100, deadline=None)
@given(
    chosen=st.lists(st.integers(0, 6), min_size=1, max_size=10),
    data=st.data(),
)
def test_weekdays_in_any_spelling_order_and_case_mean_the_same_schedule(chosen: list[int], data: st.DataObject) -> None:
    tokens = []
    for d in chosen:
        name = data.draw(st.sampled_from([SHORT[d], FULL[d], FULL[d][:4]]))
        tokens.append("".join(data.draw(st.sampled_from([c, c.upper()])) for c in name))
    separators = data.draw(st.lists(st.sampled_from([",", ", ", " ", " , ", ",,"]), min_size=len(tokens) - 1))
    text = tokens[0] + "".join(sep + tok for sep, tok in zip(separators, tokens[1:], strict=False))
    distinct = sorted(set(chosen))
    expected = "daily" if len(distinct) == 7 else ",".join(SHORT[d] for d in distinct)
    assert str(Schedule.parse(text)) == expected


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Mon, Wed", "mon,wed"),
        ("monday", "mon"),
        ("Friday Monday", "mon,fri"),
        ("tues,thurs", "tue,thu"),
        ("sun,mon", "mon,sun"),
        ("mon,tue,wed,thu,fri,sat,sun", "daily"),
        ("3 / week", "3/week"),
        ("3/WEEK", "3/week"),
        ("7/week", "daily"),
        ("03/week", "3/week"),
        ("10 /month", "10/month"),
        ("every 2 day", "every 2 days"),
        ("Every  3   Days", "every 3 days"),
        ("every 1 day", "daily"),
        ("every day", "daily"),
        ("  Daily ", "daily"),
        ("2 in 3 days", "2 in 3 days"),
        ("2 IN 3 Days", "2 in 3 days"),
        ("2 times in 3 days", "2 in 3 days"),
        ("02 in 03 days", "2 in 3 days"),
        ("3 in 3 days", "daily"),
        ("1 in 5 days", "every 5 days"),
        ("1 time in 7 days", "every 7 days"),
        ("1 in 1 day", "daily"),
    ],
)
def test_accepted_spellings(text: str, canonical: str) -> None:
    assert str(Schedule.parse(text)) == canonical


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "mo",
        "funday",
        "mon;wed",
        "3x/week",
        "3/fortnight",
        "every 3 weeks",
        "every other day",
        "weekly",
        "٣/week",
    ],
)
def test_unreadable_schedule_says_what_is_accepted(text: str) -> None:
    with pytest.raises(DomainError) as caught:
        Schedule.parse(text)
    message = str(caught.value)
    assert f"'{text}'" in message
    assert "'daily'" in message
    assert "'3/week'" in message
    assert "'every 3 days'" in message


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("0/week", "between 1 and 7"),
        ("8/week", "between 1 and 7"),
        ("0/month", "between 1 and 31"),
        ("32/month", "between 1 and 31"),
        ("every 0 days", "between 1 and 365"),
        ("every 366 days", "between 1 and 365"),
        ("4 in 3 days", "times must be between 1 and 3"),
        ("0 in 3 days", "times must be between 1 and 3"),
        ("2 in 366 days", "days must be between 1 and 365"),
        ("2 in 0 days", "days must be between 1 and 365"),
    ],
)
def test_out_of_range_numbers_name_the_allowed_range(text: str, limits: str) -> None:
    with pytest.raises(DomainError, match=limits):
        Schedule.parse(text)


# ----- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "frequency"),
    [
        ("daily", 1.0),
        ("mon,wed,fri", 3 / 7),
        ("3/week", 3 / 7),
        ("1/week", 1 / 7),
        ("10/month", 10 / 30),
        ("every 3 days", 1 / 3),
        ("every 7 days", 1 / 7),
        ("2 in 3 days", 2 / 3),
        ("5 in 14 days", 5 / 14),
    ],
)
def test_frequency_is_expected_completions_per_day(text: str, frequency: float) -> None:
    assert Schedule.parse(text).frequency == pytest.approx(frequency)


# ----- periods -------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(schedule=schedules, first=days, span=st.integers(0, 120), anchor_shift=st.integers(-400, 400))
def test_periods_tile_time_without_gaps_or_overlaps(
    schedule: Schedule, first: date, span: int, anchor_shift: int
) -> None:
    last = first + timedelta(days=span)
    anchor = first + timedelta(days=anchor_shift)
    periods = schedule.periods(first, last, anchor)
    assert periods[0].start <= first <= periods[0].end
    assert periods[-1].start <= last <= periods[-1].end
    for before, after in itertools.pairwise(periods):
        assert after.start == before.end + timedelta(days=1)
    for p in periods:
        assert p.start <= p.end
        assert 1 <= p.target <= p.days
    # every day belongs to exactly the period that period_of reports
    for p in periods:
        for offset in range(p.days):
            assert schedule.period_of(p.start + timedelta(days=offset), anchor) == p


@settings(max_examples=100, deadline=None)
@given(schedule=schedules, day=days, anchor_shift=st.integers(-400, 400))
def test_period_shapes(schedule: Schedule, day: date, anchor_shift: int) -> None:
    anchor = day + timedelta(days=anchor_shift)
    p = schedule.period_of(day, anchor)
    match schedule.kind:
        case ScheduleKind.DAILY:
            assert (p.start, p.end, p.target) == (day, day, 1)
        case ScheduleKind.PER_WEEK:
            assert p.start.weekday() == 0
            assert p.days == 7
            assert p.target == schedule.count
        case ScheduleKind.PER_MONTH:
            assert p.start.day == 1
            assert (p.end + timedelta(days=1)).day == 1
            assert p.target == min(schedule.count, p.days)
        case ScheduleKind.EVERY:
            assert p.days == schedule.count
            assert (p.start - anchor).days % schedule.count == 0
            assert p.target == 1
        case ScheduleKind.IN_DAYS:
            assert p.days == schedule.span
            assert (p.start - anchor).days % schedule.span == 0
            assert p.target == schedule.count
        case ScheduleKind.WEEKDAYS:
            # from one scheduled weekday up to the day before the next one
            scheduled = [p.start + timedelta(days=i) for i in range(p.days)]
            assert [d for d in scheduled if d.weekday() in schedule.weekdays] == [p.start]
            assert (p.end + timedelta(days=1)).weekday() in schedule.weekdays
            assert p.target == 1


def test_weekday_period_runs_to_the_next_scheduled_day() -> None:
    schedule = Schedule.parse("mon,wed,fri")
    tuesday = date(2024, 1, 2)
    p = schedule.period_of(tuesday, tuesday)
    assert (p.start, p.end) == (date(2024, 1, 1), date(2024, 1, 2))  # Monday's period takes Tuesday
    p = schedule.period_of(date(2024, 1, 7), tuesday)  # Sunday
    assert (p.start, p.end) == (date(2024, 1, 5), date(2024, 1, 7))


def test_a_monthly_target_larger_than_the_month_asks_for_every_day() -> None:
    p = Schedule.parse("30/month").period_of(date(2023, 2, 14), date(2023, 1, 1))
    assert (p.start, p.end, p.target) == (date(2023, 2, 1), date(2023, 2, 28), 28)
    p = Schedule.parse("30/month").period_of(date(2023, 3, 14), date(2023, 1, 1))
    assert p.target == 30


@settings(max_examples=100, deadline=None)
@given(schedule=schedules, first=days, span=st.integers(-3, 120), anchor_shift=st.integers(-400, 400))
def test_period_bounds_are_the_periods_as_ordinals(
    schedule: Schedule, first: date, span: int, anchor_shift: int
) -> None:
    """The evaluation's fast period walk must cut time exactly where ``periods`` does."""
    last = first + timedelta(days=span)
    anchor = first + timedelta(days=anchor_shift)
    expected = [(p.start.toordinal(), p.end.toordinal(), p.target) for p in schedule.periods(first, last, anchor)]
    assert schedule.period_bounds(first, last, anchor) == expected


# ----- N in M days (Loop's "N times in M days") ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "loop"),
    [
        ("daily", (1, 1)),
        ("3/week", (3, 7)),
        ("mon,wed,fri", (3, 7)),
        ("10/month", (10, 30)),
        ("30/month", (1, 1)),
        ("every 3 days", (1, 3)),
        ("2 in 3 days", (2, 3)),
        ("5 in 14 days", (5, 14)),
    ],
)
def test_loop_frequency_of_each_schedule(text: str, loop: tuple[int, int]) -> None:
    assert Schedule.parse(text).loop_frequency == loop


def test_n_in_m_days_is_blocks_of_m_days_needing_n() -> None:
    schedule = Schedule.parse("2 in 3 days")
    start = date(2024, 1, 1)
    periods = schedule.periods(start, date(2024, 1, 7), start)
    assert [(p.start.day, p.end.day, p.target) for p in periods] == [(1, 3, 2), (4, 6, 2), (7, 9, 2)]
    assert str(schedule) == "2 in 3 days"
    assert schedule.describe() == "2 times in every block of 3 days"
    assert schedule.unit.plural == "times"
