"""Domain rules as a user meets them: quit habits, one start date, milestones announced once."""

from __future__ import annotations

from tests.cli.conftest import Runner

NOW = "2026-11-24T09:00:00"  # a Tuesday
ENV = {"HABIT_NOW": NOW}


def test_done_on_a_quit_habit_without_a_value_records_zero(habit: Runner) -> None:
    added = habit(
        "add", "Smoking", "--at-most", "--target", "5", "--unit", "cigarettes", env={"HABIT_NOW": "2026-11-20T09:00"}
    )
    assert added.code == 0, added.err
    r = habit("done", "Smoking", "--json", env=ENV)
    assert r.code == 0, r.err
    assert r.json()["today_value"] == 0.0
    show = habit("show", "Smoking", "--json", env=ENV).json()
    assert [c["value"] for c in show["checkins"]] == [0.0]
    # the four days before, with nothing logged, count as 0: met
    assert show["current_streak"] == 5
    assert show["at_risk"] is False


def test_a_back_dated_check_in_is_the_start_everywhere(habit: Runner) -> None:
    habit("add", "W", env=ENV)
    assert habit("done", "W", "--date", "-4", env=ENV).code == 0
    shown = habit("show", "W", env=ENV).out
    assert "since 2026-11-20" in shown
    row = habit("show", "W", "--json", env=ENV).json()
    assert row["completion_rate"] == 0.25  # the 20th done; the 21st to 23rd missed; nothing before


def test_a_milestone_is_announced_once(habit: Runner) -> None:
    habit("add", "Read", env={"HABIT_NOW": "2026-11-18T09:00"})
    first = habit("done", "Read", env=ENV)
    assert "First check-in for Read" in first.out
    assert habit("undo", "Read", env=ENV).code == 0
    again = habit("done", "Read", "--json", env=ENV).json()
    assert "milestone" not in again

    for back in range(1, 6):
        assert "★" not in habit("done", "Read", "--date", f"-{back}", env=ENV).out
    seventh = habit("done", "Read", "--date", "-6", "--json", env=ENV).json()
    assert seventh["current_streak"] == 7
    assert "7 days in a row" in seventh["milestone"]
    # breaking the run in the middle and mending it reaches the same 7 days of the same run
    assert habit("undo", "Read", "--date", "-3", env=ENV).code == 0
    mended = habit("done", "Read", "--date", "-3", "--json", env=ENV).json()
    assert mended["current_streak"] == 7
    assert "milestone" not in mended
    assert habit("undo", "Read", env=ENV).code == 0
    redone = habit("done", "Read", "--json", env=ENV).json()
    assert redone["current_streak"] == 7
    assert "milestone" not in redone
