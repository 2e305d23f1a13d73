"""Manual order: a move always passes the next habit the user can see."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from habit_tui.services import habits as svc
from habit_tui.services.context import Session, open_session
from habit_tui.services.habits import HabitDraft
from habit_tui.settings import load_settings

TODAY = date(2026, 11, 24)


def names(s: Session, *, include_archived: bool = True) -> list[str]:
    return [h.name for h in s.store.habits(include_archived=include_archived)]


def test_moves_jump_over_hidden_archived_habits_and_stop_at_the_ends(tmp_path: Path) -> None:
    s = open_session(tmp_path / "habit.db", TODAY, load_settings({}, home=tmp_path))
    read, hidden, walk = (svc.add_habit(s, HabitDraft(n)) for n in ("Read", "Hidden", "Walk"))
    svc.archive_habit(s, hidden)
    assert svc.move_habit(s, read, 1, include_archived=False) is True
    assert names(s, include_archived=False) == ["Walk", "Read"]
    assert names(s) == ["Hidden", "Walk", "Read"]
    assert svc.move_habit(s, s.store.habit(read.id) or read, 1, include_archived=False) is False
    assert svc.move_habit(s, walk, -1) is True  # with archived habits shown, one place
    assert names(s) == ["Walk", "Hidden", "Read"]
    s.close()
