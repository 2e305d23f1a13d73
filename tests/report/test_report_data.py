"""The numbers a weekly or monthly report shows, from hand-made histories."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.stats import analyze
from sync_protocol.report.data import Mark, build_report
from sync_protocol.report.period import ReportPeriod, parse_period_kind
from tests.report.sample import done, large_history, make_habit, span

MON = date(2025, 11, 17)  # week 47: Monday 17 to Sunday 23 November 2025
SUN = MON + timedelta(days=6)


def day(n: int) -> date:
    """Day ``n`` of week 47 (0 = Monday)."""
    return MON + timedelta(days=n)


def test_week_and_month_bounds_and_labels() -> None:
    week = ReportPeriod.containing("week", date(2025, 11, 20))
    assert (week.start, week.end) == (MON, SUN)
    assert week.label == "Week 47, 2025 · 17–23 November"
    assert week.previous().start == date(2025, 11, 10)
    month = ReportPeriod.containing("month", date(2024, 2, 10))
    assert (month.start, month.end) == (date(2024, 2, 1), date(2024, 2, 29))
    assert month.label == "February 2024"
    assert month.previous().label == "January 2024"
    across = ReportPeriod.containing("week", date(2025, 12, 31))
    assert across.label == "Week 1, 2026 · 29 December 2025 – 4 January 2026"
    assert parse_period_kind(" Month ") == "month"
    with pytest.raises(DomainError, match="week' or 'month"):
        parse_period_kind("year")


def test_daily_habit_week_counts_rate_and_marks() -> None:
    habit = make_habit("Read")
    checkins = [*done(day(0), day(1), day(2), day(4), day(6)), CheckIn(day(3), skipped=True)]
    report = build_report([habit], {habit.id: checkins}, "week", day(2))
    row = report.habits[0]
    assert (row.due, row.done, row.skipped) == (7, 5, 1)
    assert row.rate == pytest.approx(5 / 6)
    assert row.marks == (
        Mark.DONE,
        Mark.DONE,
        Mark.DONE,
        Mark.SKIPPED,
        Mark.DONE,
        Mark.MISSED,
        Mark.DONE,
    )
    assert row.current_streak == 1
    assert report.summary.completion_rate == pytest.approx(5 / 6)
    assert report.summary.checkins_done == 5
    assert report.summary.habits_completed == 0
    assert report.complete


def test_streak_and_score_agree_with_the_domain() -> None:
    habit = make_habit("Read")
    checkins = done(*span(date(2025, 10, 1), day(6)))
    report = build_report([habit], {habit.id: checkins}, "week", day(0))
    stats = analyze(habit, checkins, SUN)
    row = report.habits[0]
    assert (row.current_streak, row.best_streak) == (stats.current_streak, stats.best_streak) == (54, 54)
    assert row.score == pytest.approx(stats.score)
    assert row.score_change > 0
    assert report.summary.top_streak is not None
    assert (report.summary.top_streak.habit, report.summary.top_streak.length) == ("Read", 54)
    assert report.summary.habits_completed == 1


def test_comparison_with_the_previous_week_and_broken_streak() -> None:
    habit = make_habit("Meditate")
    before = span(MON - timedelta(days=7), MON - timedelta(days=1))
    checkins = [*done(*before, day(0), day(1), day(2), day(4)), CheckIn(day(3), skipped=True)]
    report = build_report([habit], {habit.id: checkins}, "week", SUN)
    assert report.previous.completion_rate == 1.0
    assert report.previous.checkins_done == 7
    assert report.summary.completion_rate == pytest.approx(4 / 6)
    assert report.rate_change == pytest.approx(4 / 6 - 1)
    assert report.habits[0].previous_rate == 1.0
    broken = report.summary.broken_streaks
    assert len(broken) == 1
    # 7 days last week + Mon-Wed, the skip on Thursday keeps it alive, Friday extends it, Saturday ends it.
    assert (broken[0].habit, broken[0].length, broken[0].on) == ("Meditate", 11, day(5))
    data = report.to_json()
    assert data["summary"]["completion_rate_change"] == pytest.approx(-1 / 3, abs=1e-4)
    assert data["summary"]["checkins_done_change"] == -3


def test_running_week_stops_at_today_and_today_is_not_a_miss() -> None:
    habit = make_habit("Read")
    report = build_report([habit], {habit.id: done(day(0), day(1))}, "week", day(2), today=day(2))
    row = report.habits[0]
    assert report.as_of == day(2)
    assert not report.complete
    assert row.marks[:3] == (Mark.DONE, Mark.DONE, Mark.OPEN)
    assert set(row.marks[3:]) == {Mark.FUTURE}
    # Today is due and not done yet: it counts in the rate so far, but it is not a miss.
    assert (row.due, row.done) == (3, 2)
    assert row.rate == pytest.approx(2 / 3)
    assert row.current_streak == 2
    assert [d.future for d in report.days] == [False] * 3 + [True] * 4
    assert report.days[3].level is None


def test_per_week_and_per_month_targets() -> None:
    gym = make_habit("Gym", "3/week", position=1)
    books = make_habit("Library", "10/month", position=2)
    checkins = {gym.id: done(day(0), day(3)), books.id: done(*span(date(2025, 11, 1), date(2025, 11, 12)))}
    week = build_report([gym, books], checkins, "week", day(0))
    by_name = {r.name: r for r in week.habits}
    assert (by_name["Gym"].due, by_name["Gym"].done) == (3, 2)
    assert by_name["Gym"].rate == pytest.approx(2 / 3)
    # November's 10 are satisfied; a week holds 7/30 of that month's requirement.
    assert by_name["Library"].due == 2
    assert by_name["Library"].rate == 1.0
    month = build_report([gym, books], checkins, "month", day(0))
    assert {r.name: r.due for r in month.habits}["Library"] == 10
    assert {r.name: r.done for r in month.habits}["Library"] == 12


def test_weekday_schedule_marks_days_off() -> None:
    habit = make_habit("Gym", "mon,wed,fri")
    report = build_report([habit], {habit.id: done(day(0), day(2))}, "week", day(0))
    row = report.habits[0]
    assert row.marks == (Mark.DONE, Mark.OFF, Mark.DONE, Mark.OFF, Mark.MISSED, Mark.OFF, Mark.OFF)
    assert (row.due, row.done) == (3, 2)


def test_measurable_partial_and_quit_habits() -> None:
    water = make_habit("Water", target=8, unit="glasses")
    smoke = make_habit("Smoking", at_most=True, unit="cigarettes", position=1)
    checkins = {
        water.id: [CheckIn(day(0), 8.0), CheckIn(day(1), 4.0)],
        smoke.id: [CheckIn(day(0), 0.0), CheckIn(day(1), 3.0)],
    }
    report = build_report([water, smoke], checkins, "week", day(0))
    water_row, smoke_row = report.habits
    assert water_row.goal == "at least 8 glasses"
    assert water_row.marks[:3] == (Mark.DONE, Mark.PARTIAL, Mark.MISSED)
    assert smoke_row.marks[:2] == (Mark.DONE, Mark.MISSED)
    assert (water_row.done, smoke_row.done) == (1, 1)


def test_habits_started_later_or_mid_period() -> None:
    old = make_habit("Old")
    mid = make_habit("Mid", start=day(4), position=1)
    later = make_habit("Later", start=SUN + timedelta(days=3), position=2)
    checkins = {old.id: done(*span(MON, SUN)), mid.id: done(day(4), day(5), day(6))}
    report = build_report([old, mid, later], checkins, "week", day(0))
    assert [r.name for r in report.habits] == ["Old", "Mid"]
    mid_row = report.habits[1]
    assert mid_row.marks[:4] == (Mark.OFF,) * 4
    assert (mid_row.due, mid_row.rate) == (3, 1.0)
    assert report.summary.habits_total == 2
    assert report.previous.habits_total == 1
    assert report.summary.habits_completed == 2


def test_month_calendar_days_and_notes() -> None:
    read = make_habit("Read")
    walk = make_habit("Walk", position=1)
    checkins = {
        read.id: [*done(*span(date(2025, 11, 1), date(2025, 11, 10))), CheckIn(date(2025, 11, 20), 1.0, note="Dune")],
        walk.id: [CheckIn(date(2025, 11, 3), 1.0, note="rainy — short loop"), CheckIn(date(2025, 11, 4), skipped=True)],
    }
    report = build_report([read, walk], checkins, "month", date(2025, 11, 15))
    # November 2025 starts on a Saturday and ends on a Sunday: five calendar rows.
    assert len(report.calendar) == 5
    assert report.calendar[0][:5] == (None,) * 5
    first = report.calendar[0][5]
    last = report.calendar[-1][6]
    assert first is not None
    assert first.day == date(2025, 11, 1)
    assert last is not None
    assert last.day == date(2025, 11, 30)
    by_day = {d.day: d for d in report.days}
    assert (by_day[date(2025, 11, 3)].done, by_day[date(2025, 11, 3)].level) == (2, 4)
    assert (by_day[date(2025, 11, 5)].done, by_day[date(2025, 11, 5)].level) == (1, 2)
    assert by_day[date(2025, 11, 25)].level == 0
    assert [(n.day, n.habit, n.text) for n in report.notes] == [
        (date(2025, 11, 3), "Walk", "rainy — short loop"),
        (date(2025, 11, 20), "Read", "Dune"),
    ]


def test_json_is_plain_data() -> None:
    habits, checkins = large_history(12, date(2025, 1, 1), date(2025, 12, 31))
    report = build_report(habits, checkins, "month", date(2025, 6, 15))
    text = json.dumps(report.to_json(), ensure_ascii=False)
    data = json.loads(text)
    assert data["period"] == "month"
    assert (data["start"], data["end"]) == ("2025-06-01", "2025-06-30")
    assert len(data["habits"]) == 12
    keys = {"name", "due", "done", "skipped", "rate", "current_streak", "best_streak", "score", "marks"}
    assert keys <= data["habits"][0].keys()
    assert len(data["days"]) == 30
    assert "Μελέτη ελληνικών" in text
    assert 0 <= data["summary"]["completion_rate"] <= 1


def test_a_period_that_has_not_begun_is_an_error() -> None:
    habit = make_habit("Read")
    with pytest.raises(DomainError, match="has not started"):
        build_report([habit], {}, "week", date(2026, 1, 5), today=date(2025, 12, 31))


def test_empty_report() -> None:
    report = build_report([], {}, "month", date(2025, 11, 5))
    assert report.habits == ()
    assert report.summary.completion_rate is None
    assert report.summary.top_streak is None
    assert len(report.days) == 30


def test_headline_rate_agrees_with_the_table_while_the_week_runs() -> None:
    """Two of three daily habits done today: not 100%, and the same share as the rows say."""
    habits = [make_habit(name, start=day(2), position=i) for i, name in enumerate(("Read", "Walk", "Stretch"))]
    checkins = {habits[0].id: done(day(2)), habits[1].id: done(day(2))}
    report = build_report(habits, checkins, "week", day(2), today=day(2))
    rows = report.habits
    assert [(r.due, r.done, r.rate) for r in rows] == [(1, 1, 1.0), (1, 1, 1.0), (1, 0, 0.0)]
    assert report.summary.completion_rate == pytest.approx(2 / 3)
    assert report.summary.completion_rate == pytest.approx(sum(r.done for r in rows) / sum(r.due for r in rows))
    assert (report.summary.habits_completed, report.summary.habits_total) == (2, 3)
    # Today stays open: not yet a miss, and no streak is broken by it.
    assert rows[2].marks[2] is Mark.OPEN
    assert report.summary.broken_streaks == ()


def test_a_running_week_counts_what_is_done_so_far() -> None:
    read = make_habit("Read")
    gym = make_habit("Gym", "3/week", position=1)
    checkins = {read.id: done(day(0), day(1), day(2)), gym.id: done(day(0))}
    report = build_report([read, gym], checkins, "week", day(2), today=day(2))
    by_name = {r.name: r for r in report.habits}
    assert (by_name["Read"].due, by_name["Read"].done, by_name["Read"].rate) == (3, 3, 1.0)
    assert (by_name["Gym"].due, by_name["Gym"].done) == (3, 1)
    assert by_name["Gym"].rate == pytest.approx(1 / 3)
    assert report.summary.completion_rate == pytest.approx(4 / 6)
