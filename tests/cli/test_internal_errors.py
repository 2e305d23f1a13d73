"""Issue 11, item 23: a failure nobody planned for is one line on stderr, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Runner

ENV = {"HABIT_NOW": "2026-11-24T09:00:00"}


def _damage(home: Path) -> None:
    """A row no version of habit writes: tags that are not JSON."""
    conn = sqlite3.connect(home / "habit.db")
    conn.execute("UPDATE habits SET tags = '{oops' WHERE name = 'Walk'")
    conn.execute("DELETE FROM stats_cache")
    conn.commit()
    conn.close()


def _rows(home: Path) -> list[list[Any]]:
    conn = sqlite3.connect(home / "habit.db")
    rows = [conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in ("habits", "checkins", "events")]
    conn.close()
    return rows


@pytest.mark.parametrize("args", [["list"], ["today", "--json"], ["show", "Walk"], ["stats"], ["done", "Walk"]])
def test_a_damaged_row_is_one_internal_error_line(habit: Runner, home: Path, args: list[str]) -> None:
    assert habit("add", "Read", env=ENV).code == 0
    assert habit("add", "Walk", env=ENV).code == 0
    _damage(home)
    before = _rows(home)
    r = habit(*args, env=ENV)
    assert r.code == 1
    assert "Traceback" not in r.err and "Traceback" not in r.out
    [line] = r.err.splitlines()
    assert line.startswith("habit: internal error: ")
    assert "HABIT_DEBUG=1" in line
    assert _rows(home) == before


def test_habit_debug_shows_the_traceback(habit: Runner, home: Path) -> None:
    assert habit("add", "Walk", env=ENV).code == 0
    _damage(home)
    r = habit("list", env={**ENV, "HABIT_DEBUG": "1"})
    assert r.code == 1
    assert "Traceback" in r.err
