"""Which milestone a check-in announces, and that each is announced once."""

from __future__ import annotations

from datetime import date, timedelta

from sync_protocol.coach.milestones import Milestone, StreakState, checkin_milestone, milestone
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit
from tests.report.sample import make_habit, span

START = date(2025, 1, 1)


def _announcements(habit: Habit, days: list[date]) -> dict[date, Milestone]:
    """Check in on ``days`` one by one (each on its own day) and collect what is announced."""
    out: dict[date, Milestone] = {}
    done: list[CheckIn] = []
    for day in days:
        after = [*done, CheckIn(day, 1.0)]
        found = checkin_milestone(habit, done, after, day)
        if found is not None:
            out[day] = found
        done = after
    return out


def test_first_check_in_and_round_streaks_once_each() -> None:
    habit = make_habit("Read", start=START)
    got = _announcements(habit, span(START, START + timedelta(days=99)))
    assert [(d - START).days + 1 for d in got] == [1, 7, 30, 100]
    assert [m.kind for m in got.values()] == ["first_checkin", "streak", "streak", "streak"]
    assert got[START].message == "First check-in for Read: every streak starts with one."
    assert got[START + timedelta(days=6)].message == "Read: 7 days in a row: a full week."
    assert got[START + timedelta(days=99)].message == "Read: 100 days in a row: triple digits."


def test_a_year_long_streak() -> None:
    before = StreakState(total_done=364, current_streak=364, best_streak=364, previous_record=0)
    after = StreakState(total_done=365, current_streak=365, best_streak=365, previous_record=0)
    found = milestone(before, after, habit="Walk", unit="d")
    assert found is not None
    assert found.message == "Walk: 365 days in a row: a whole year."


def test_personal_best_is_announced_when_the_old_record_falls_and_not_again() -> None:
    habit = make_habit("Stretch", start=START)
    first_run = span(START, START + timedelta(days=4))  # 5 days, then a gap
    second_run = span(START + timedelta(days=6), START + timedelta(days=14))  # 9 days
    got = _announcements(habit, [*first_run, *second_run])
    bests = [(d, m) for d, m in got.items() if m.kind == "personal_best"]
    assert len(bests) == 1
    day, best = bests[0]
    assert day == START + timedelta(days=11)  # day 6 of the second run beats 5
    assert (best.length, best.previous) == (6, 5)
    assert best.message == "Stretch: new personal best, 6 days in a row (the old one was 5)."
    # Day 7 of the second run is a round streak, which outranks a record.
    assert got[START + timedelta(days=12)].kind == "streak"


def test_nothing_to_announce() -> None:
    habit = make_habit("Floss", start=START)
    days = span(START, START + timedelta(days=3))
    done = [CheckIn(d, 1.0) for d in days]
    # Day 5 extends a 4-day streak: no milestone; undoing is never a milestone either.
    fifth = days[-1] + timedelta(days=1)
    assert checkin_milestone(habit, done, [*done, CheckIn(fifth, 1.0)], fifth) is None
    assert checkin_milestone(habit, done, done[:-1], days[-1]) is None
    # A skip is not a check-in.
    assert checkin_milestone(habit, [], [CheckIn(START, skipped=True)], START) is None


def test_weekly_habits_count_in_weeks() -> None:
    before = StreakState(total_done=11, current_streak=3, best_streak=3, previous_record=0)
    after = StreakState(total_done=12, current_streak=4, best_streak=4, previous_record=0)
    found = milestone(before, after, habit="Gym", unit="w")
    assert found is not None
    assert found.to_json() == {
        "kind": "streak",
        "habit": "Gym",
        "length": 4,
        "unit": "w",
        "message": "Gym: 4 weeks in a row.",
    }


def test_the_same_milestone_has_the_same_key_and_a_new_run_a_new_one() -> None:
    """``done; undo; done`` reaches an equal key (the client then stays quiet); a later run does not."""
    habit = make_habit("Read", start=START)
    week = [CheckIn(d, 1.0) for d in span(START, START + timedelta(days=6))]
    seventh = START + timedelta(days=6)
    reached = checkin_milestone(habit, week[:-1], week, seventh)
    again = checkin_milestone(habit, week[:-1], week, seventh)
    assert reached is not None and again is not None
    assert reached.key == again.key == ("streak", 7, START.isoformat())
    later = [CheckIn(d, 1.0) for d in span(START + timedelta(days=10), START + timedelta(days=16))]
    other = checkin_milestone(habit, week + later[:-1], week + later, START + timedelta(days=16))
    assert other is not None and other.key == ("streak", 7, (START + timedelta(days=10)).isoformat())
    first = checkin_milestone(habit, [], week[:1], START)
    assert first is not None and first.key == ("first_checkin", 0, "")
