"""Helpers shared by command modules: opening the session, resolving names and dates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from habit_tui.errors import HabitError
from habit_tui.services.context import Session, open_session
from habit_tui.services.dates import parse_day
from habit_tui.services.habits import resolve
from sync_protocol.domain.habit import Habit


@contextmanager
def session() -> Iterator[Session]:
    s = open_session()
    try:
        yield s
    finally:
        s.close()


def find(s: Session, name: str, *, include_archived: bool = True) -> Habit:
    habit = resolve(s.store, name)
    if habit.archived and not include_archived:
        raise HabitError(f"'{habit.name}' is archived; bring it back first with: habit unarchive \"{habit.name}\"")
    return habit


def day(s: Session, text: str | None) -> date:
    return parse_day(text, s.today)


def complete_name(incomplete: str) -> list[str]:
    """Shell completion of habit names."""
    try:
        with session() as s:
            names = [h.name for h in s.store.habits(include_archived=True)]
    except Exception:
        return []
    folded = incomplete.casefold()
    return [n for n in names if n.casefold().startswith(folded)]
