"""Opening a session for one command, and reading the habit and day a command names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from habit_tui.cli import output
from habit_tui.errors import HabitError
from habit_tui.services.context import Session, open_session
from habit_tui.services.dates import parse_day
from habit_tui.services.habits import resolve
from sync_protocol.domain.habit import Habit


@contextmanager
def session(*, warn: bool = True) -> Iterator[Session]:
    """The store and the settings (resolved once) for the length of a command.

    What the settings warn about (an unknown key in config.toml) goes to stderr first, one line
    each; the command still runs.
    """
    s = open_session()
    if warn:
        for warning in s.settings.warnings:
            output.warn(warning)
    try:
        yield s
    finally:
        s.close()


def find(s: Session, name: str, *, include_archived: bool = True) -> Habit:
    habit = resolve(s, name)
    if habit.archived and not include_archived:
        raise HabitError(f"'{habit.name}' is archived; bring it back first with: habit unarchive \"{habit.name}\"")
    return habit


def day(s: Session, text: str | None) -> date:
    return parse_day(text, s.today)
