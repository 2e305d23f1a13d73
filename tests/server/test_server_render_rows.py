"""A render process turns the rows that crossed to it into the domain's habits and check-ins."""

from __future__ import annotations

from datetime import date

import pytest

from habit_server.delivery.rendering import domain_data
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.fields import HABIT_FIELD_TABLE, habit_to_fields
from tests.report.sample import make_habit

TODAY = date(2025, 11, 20)


def _row(name: str) -> tuple[object, ...]:
    habit = make_habit(name)
    fields = habit_to_fields(habit)
    return (habit.id, *(f.to_column(fields[f.name]) for f in HABIT_FIELD_TABLE))


def test_check_in_columns_become_check_ins() -> None:
    read, walk, idle = _row("Read"), _row("Walk"), _row("Idle")
    stored = {
        str(read[0]): (
            ["2025-11-17", "2025-11-18", "2025-11-19"],
            [1.0, None, 2.5],
            [False, True, False],
            ["2025-11-19"],
            ["ok"],
        ),
        str(walk[0]): (("2025-01-31",), (1.0,), (True,), (), ()),
    }
    habits, checkins = domain_data([read, walk, idle], stored, TODAY)
    assert [h.name for h in habits] == ["Read", "Walk", "Idle"]
    assert checkins[str(read[0])] == [
        CheckIn(date(2025, 11, 17), 1.0, False, ""),
        CheckIn(date(2025, 11, 18), None, True, ""),
        CheckIn(date(2025, 11, 19), 2.5, False, "ok"),
    ]
    made = checkins[str(walk[0])][0]
    assert type(made) is CheckIn and made.skipped is True and made.date == date(2025, 1, 31)
    assert checkins[str(read[0])][2].skipped is False
    assert checkins[str(idle[0])] == []


def test_columns_of_different_lengths_are_refused() -> None:
    read = _row("Read")
    with pytest.raises(ValueError):
        domain_data([read], {str(read[0]): (["2025-11-17", "2025-11-18"], [1.0], [False], [], [])}, TODAY)


def test_notes_come_apart_and_join_their_check_ins() -> None:
    read = _row("Read")
    days = ["2025-11-16", "2025-11-17", "2025-11-18", "2025-11-19"]
    stored = {str(read[0]): (days, [1.0, 1.0, None, 1.0], [False, False, True, False], days[::-2], ["b", "a"])}
    _, checkins = domain_data([read], stored, TODAY)
    assert [c.note for c in checkins[str(read[0])]] == ["", "a", "", "b"]
