"""Manual order: a move always passes the next habit the user can see."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from habit_tui.services import habits as svc
from habit_tui.store.repository import Store

TODAY = date(2026, 11, 24)


def names(store: Store, *, include_archived: bool = True) -> list[str]:
    return [h.name for h in store.habits(include_archived=include_archived)]


def test_moves_jump_over_hidden_archived_habits_and_stop_at_the_ends(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "habit.db")
    read, hidden, walk = (svc.add_habit(store, TODAY, n) for n in ("Read", "Hidden", "Walk"))
    svc.archive_habit(store, hidden)
    assert svc.move_habit(store, read, 1, include_archived=False) is True
    assert names(store, include_archived=False) == ["Walk", "Read"]
    assert names(store) == ["Hidden", "Walk", "Read"]
    assert svc.move_habit(store, store.habit(read.id) or read, 1, include_archived=False) is False
    assert svc.move_habit(store, walk, -1) is True  # with archived habits shown, one place
    assert names(store) == ["Walk", "Hidden", "Read"]
    store.close()
