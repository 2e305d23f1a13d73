"""What the full-screen board shows: each habit's stats plus its check-ins inside a window of days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from habit_tui.services.checkins import CheckinOutcome
from habit_tui.services.context import Session
from habit_tui.services.views import habit_rows
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.stats import HabitStats, analyze_rows


@dataclass(frozen=True, slots=True)
class BoardRow:
    habit: Habit
    stats: HabitStats
    cells: dict[date, CheckIn] = field(default_factory=dict)
    """Check-ins (with their notes) on the days of the window; a day without one is absent."""


@dataclass(frozen=True, slots=True)
class Board:
    today: date
    first: date
    last: date
    rows: list[BoardRow]
    archived: int
    """How many archived habits exist (shown or not)."""


def load_board(s: Session, first: date, last: date, *, include_archived: bool = False) -> Board:
    """Every habit (archived ones too if asked) with its stats and the check-ins from ``first`` to ``last``.

    Stats come from :func:`habit_rows`, so they are read from the store's per-day cache when fresh.
    """
    every = habit_rows(s, include_archived=True)
    shown = every if include_archived else [r for r in every if not r.habit.archived]
    cells = s.store.checkins_between(first, last)
    rows = [BoardRow(r.habit, r.stats, cells.get(r.habit.id, {})) for r in shown]
    return Board(s.today, first, last, rows, sum(1 for r in every if r.habit.archived))


def load_row(s: Session, habit_id: str, first: date, last: date) -> BoardRow | None:
    """One habit's row (after a change to it); None if the habit is gone."""
    habit = s.store.habit(habit_id)
    if habit is None:
        return None
    stats = analyze_rows(habit, s.store.day_rows(habit_id).get(habit_id, []), s.today)
    return BoardRow(habit, stats, s.store.checkins_between(first, last, habit_id).get(habit_id, {}))


def row_after(s: Session, outcome: CheckinOutcome, first: date, last: date) -> BoardRow:
    """The row of the habit a check-in just changed, with the stats the change computed."""
    hid = outcome.habit.id
    return BoardRow(outcome.habit, outcome.stats, s.store.checkins_between(first, last, hid).get(hid, {}))
