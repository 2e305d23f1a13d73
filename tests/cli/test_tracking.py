"""A new user's first session: add habits of every kind, check in, read streaks and scores."""

from __future__ import annotations

from datetime import date, timedelta

from tests.cli.conftest import Runner

NOW = "2026-11-24T09:00:00"  # a Tuesday
ENV = {"HABIT_NOW": NOW}
TODAY = date(2026, 11, 24)


def _by_name(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(r["name"]): r for r in rows}


def test_four_kinds_of_habit_with_streaks_and_scores(habit: Runner) -> None:
    assert habit("add", "Read", env=ENV).code == 0
    assert habit("add", "Water", "--target", "8", "--unit", "glasses", env=ENV).code == 0
    assert habit("add", "Gym", "--schedule", "mon,wed,fri", env=ENV).code == 0
    assert habit("add", "Smoking", "--at-most", "--unit", "cigarettes", env=ENV).code == 0
    assert habit("add", "Call mom", "-s", "1/week", "--tags", "family", env=ENV).code == 0

    for d in ("-1", "-2", "yesterday", "today", "2026-11-21"):
        r = habit("done", "read", "--date", d, env=ENV)
        assert r.code == 0, r.err
    assert habit("done", "Water", "--value", "5", "--note", "hot day", env=ENV).code == 0
    assert habit("done", "Water", "--date", "-1", env=ENV).code == 0  # defaults to the target
    assert habit("done", "gym", "--date", "-1", env=ENV).code == 0  # Monday
    assert habit("done", "smo", "--value", "0", env=ENV).code == 0
    assert habit("done", "call", "--date", "-8", env=ENV).code == 0  # last week

    rows = _by_name(habit("list", "--json", env=ENV).json())  # its keys: tests/cli/test_json_contract.py
    read = rows["Read"]
    assert read["done_today"] is True
    assert read["current_streak"] == 4  # 21, 22, 23, 24
    assert read["best_streak"] == 4
    assert read["score"] == round(1 - 0.5 ** (4 / 13), 6)  # four perfect days from zero: 1 - m**4
    water = rows["Water"]
    assert water["kind"] == "measurable"
    assert water["done_today"] is False  # 5 of 8 glasses
    assert water["current_streak"] == 1  # yesterday met the target; today is not over
    assert rows["Gym"]["current_streak"] == 1
    assert rows["Gym"]["due_today"] is False  # Monday's period (Mon-Tue) is done
    assert rows["Smoking"]["done_today"] is True
    assert rows["Call mom"]["current_streak"] == 1
    assert rows["Call mom"]["due_today"] is True

    show = habit("show", "Water", "--json", env=ENV).json()
    assert show["checkins"] == [
        {"date": "2026-11-23", "value": 8.0, "skipped": False, "note": ""},
        {"date": "2026-11-24", "value": 5.0, "skipped": False, "note": "hot day"},
    ]


def test_one_perfect_day_scores_the_reference_value(habit: Runner) -> None:
    habit("add", "Read", env={"HABIT_NOW": "2026-11-23T10:00"})
    habit("done", "Read", env={"HABIT_NOW": "2026-11-23T10:00"})
    row = habit("list", "--json", env=ENV).json()[0]
    # the 23rd was perfect; the 24th is not over, so it does not count yet
    assert row["score"] == 0.051922


def test_skip_keeps_the_streak_and_undo_removes_a_check_in(habit: Runner) -> None:
    habit("add", "Read", env={"HABIT_NOW": "2026-11-01T10:00"})
    for i in range(1, 6):
        habit("done", "Read", "--date", (TODAY - timedelta(days=i)).isoformat(), env=ENV)
    assert habit("skip", "Read", "--date", "-3", env=ENV).code == 0
    row = habit("list", "--json", env=ENV).json()[0]
    assert row["current_streak"] == 4  # the skipped day neither breaks nor extends
    assert habit("undo", "Read", "--date", "-2", env=ENV).code == 0
    row = habit("list", "--json", env=ENV).json()[0]
    assert row["current_streak"] == 1
    assert row["best_streak"] == 2


def test_day_starts_at_moves_late_night_check_ins_to_the_previous_day(habit: Runner, home: object) -> None:
    from pathlib import Path

    Path(str(home)).mkdir(parents=True, exist_ok=True)
    (Path(str(home)) / "config.toml").write_text('day_starts_at = "04:00"\n')
    env = {"HABIT_NOW": "2026-11-24T01:30:00"}
    habit("add", "Read", env=env)
    assert habit("done", "Read", env=env).code == 0
    show = habit("show", "Read", "--json", env=env).json()
    assert [c["date"] for c in show["checkins"]] == ["2026-11-23"]


def test_edit_archive_and_delete(habit: Runner) -> None:
    habit("add", "Read", env=ENV)
    habit("add", "Walk", env=ENV)
    assert habit("edit", "Read", "--name", "Read a book", "--schedule", "5/week", env=ENV).code == 0
    rows = _by_name(habit("list", "--json", env=ENV).json())
    assert rows["Read a book"]["schedule"] == "5/week"
    assert habit("archive", "walk", env=ENV).code == 0
    assert [r["name"] for r in habit("list", "--json", env=ENV).json()] == ["Read a book"]
    all_rows = _by_name(habit("list", "--all", "--json", env=ENV).json())
    assert all_rows["Walk"]["archived"] is True
    assert habit("unarchive", "Walk", env=ENV).code == 0
    assert habit("delete", "Walk", "--yes", env=ENV).code == 0
    assert [r["name"] for r in habit("list", "--all", "--json", env=ENV).json()] == ["Read a book"]


def test_name_matching_by_prefix_and_id(habit: Runner) -> None:
    habit("add", "Reading", env=ENV)
    habit("add", "Running", env=ENV)
    rid = habit("list", "--json", env=ENV).json()[1]["id"]
    assert habit("done", "rea", env=ENV).code == 0
    assert habit("done", rid, env=ENV).code == 0
    rows = _by_name(habit("list", "--json", env=ENV).json())
    assert rows["Reading"]["done_today"] and rows["Running"]["done_today"]


def test_today_and_stats_json(habit: Runner) -> None:
    habit("add", "Read", env=ENV)
    habit("add", "Walk", env=ENV)
    habit("done", "Read", env=ENV)
    today = habit("today", "--json", env=ENV).json()
    assert {(t["name"], t["done"], t["due"]) for t in today} == {("Read", True, False), ("Walk", False, True)}
    stats = habit("stats", "--json", env=ENV).json()
    assert stats["summary"]["habits"] == 2
    assert stats["summary"]["done_today"] == 1
    assert len(stats["habits"]) == 2


def test_people_get_tables_and_no_colour_when_asked(habit: Runner) -> None:
    habit("add", "Read", env=ENV)
    habit("done", "Read", env=ENV)
    plain = habit("list", env=ENV)
    assert "Read" in plain.out and "\x1b[" not in plain.out
    coloured = habit("list", env={**ENV, "FORCE_COLOR": "1"})
    assert "\x1b[" in coloured.out
    no_color = habit("list", env={**ENV, "FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[32m" not in no_color.out and "\x1b[38;5" not in no_color.out
    show = habit("show", "Read", env=ENV)
    assert "Current streak" in show.out and "Mon" in show.out


def test_empty_store_says_how_to_start(habit: Runner) -> None:
    r = habit("list", env=ENV)
    assert r.code == 0
    assert "habit add" in r.out
    assert habit("list", "--json", env=ENV).json() == []


def test_numbers_follow_the_calendar_and_every_change(habit: Runner) -> None:
    """Stats are cached per day; a new day, a check-in, an edit or an import must all show at once."""
    day1 = {"HABIT_NOW": "2026-11-23T10:00"}
    day2 = {"HABIT_NOW": "2026-11-24T10:00"}
    habit("add", "Read", env=day1)
    habit("done", "Read", env=day1)
    assert habit("list", "--json", env=day1).json()[0]["done_today"] is True
    assert habit("list", "--json", env=day1).json()[0]["done_today"] is True  # served from the cache
    row = habit("list", "--json", env=day2).json()[0]
    assert row["done_today"] is False
    assert row["current_streak"] == 1
    assert row["due_today"] is True
    habit("done", "Read", env=day2)
    assert habit("list", "--json", env=day2).json()[0]["current_streak"] == 2
    habit("edit", "Read", "--schedule", "1/week", env=day2)
    row = habit("list", "--json", env=day2).json()[0]
    assert row["schedule"] == "1/week"
    assert row["current_streak"] == 1  # one week with a completion
    habit("undo", "Read", env=day2)
    habit("undo", "Read", "--date", "-1", env=day2)
    row = habit("list", "--json", env=day2).json()[0]
    assert row["current_streak"] == 0
    assert row["total_done"] == 0


def test_milestones_are_announced_on_the_check_in_that_reaches_them(habit: Runner) -> None:
    habit("add", "Read", env=ENV)
    first = habit("done", "Read", "--date", "-6", env=ENV)
    assert "First check-in for Read" in first.out
    announced = []
    for d in ("-5", "-4", "-3", "-2", "-1"):
        announced.append(habit("done", "Read", "--date", d, env=ENV).out)
    assert not any("★" in out for out in announced)
    seventh = habit("done", "Read", "--json", env=ENV).json()
    assert seventh["current_streak"] == 7
    assert "7 days in a row" in seventh["milestone"]
    again = habit("done", "Read", "--json", env=ENV).json()
    assert "milestone" not in again
