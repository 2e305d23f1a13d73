"""Check-ins: mark a day done, skip it, clear it, toggle it, write its note.

Every use case returns one :class:`CheckinOutcome`: the day's check-in now, what it replaced,
the habit's new stats and any milestone the change reached. ``habit done`` and the board both
only format it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Literal, NamedTuple

from habit_tui.errors import HabitError, NotFoundError
from habit_tui.services.context import Session
from sync_protocol.coach.milestones import Milestone, stats_milestone
from sync_protocol.domain import events as ev
from sync_protocol.domain.checkin import NOTE, CheckIn, day_credit, done_value, validate_value
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.habit import Habit, format_number
from sync_protocol.domain.stats import (
    STATS_VERSION,
    DayRow,
    HabitStats,
    analyze_rows,
    stats_from_json,
    stats_to_json,
)

ChangeKind = Literal["done", "skip", "clear", "toggle", "toggle_skip", "note"]


class Change(NamedTuple):
    """What a person asks of one day of a habit."""

    kind: ChangeKind
    value: float | None = None
    """``done``: the amount (default: :func:`done_value`: 1, an at-least habit's target, 0 for a quit habit)."""
    note: str | None = None
    """``done``, ``skip``, ``note``: the new note (None: the day keeps the one it has)."""


class CheckinOutcome(NamedTuple):
    habit: Habit
    day: date
    checkin: CheckIn | None
    """The day's check-in now (None: the day is empty)."""
    previous: CheckIn | None
    """What the day held before."""
    stats: HabitStats
    """The habit's stats as of today, after the change."""
    milestone: Milestone | None
    """The first check-in, a round streak or a new personal best this change reached, unless it was
    announced before on this device (each is announced once)."""


def describe(habit: Habit, c: CheckIn) -> str:
    """``done``, ``skipped``, ``6 glasses``."""
    if c.skipped:
        return "skipped"
    if habit.is_measurable and c.value is not None:
        return f"{format_number(c.value)} {habit.unit}".rstrip()
    return "done" if day_credit(habit, c) >= 1 else "not done"


def _entered(habit: Habit, c: CheckIn) -> bool:
    """Whether a day holds an entry a toggle takes away: not a yes/no day that holds only a note."""
    return habit.is_measurable or day_credit(habit, c) >= 1


def next_state(habit: Habit, day: date, old: CheckIn | None, change: Change) -> CheckIn | None:
    """What the day holds after ``change`` (None: nothing). Pure: the board shows it before it is saved.

    ``toggle`` marks the day done unless it is done (then clears it); ``toggle_skip`` likewise
    with a skip. A note stays with the day through every change but ``clear``.
    """
    kept = old.note if old else ""
    match change.kind:
        case "done":
            amount = _checked(
                lambda: validate_value(habit, done_value(habit) if change.value is None else change.value)
            )
            return CheckIn(day, amount, False, _note(change.note, kept))
        case "skip":
            return CheckIn(day, None, True, _note(change.note, kept))
        case "clear":
            if old is None:
                raise NotFoundError(f"'{habit.name}' has no check-in on {day.isoformat()}")
            return None
        case "toggle" | "toggle_skip":
            skipping = change.kind == "toggle_skip"
            if old is not None and old.skipped == skipping and (skipping or _entered(habit, old)):
                return None
            return CheckIn(day, None if skipping else done_value(habit), skipping, kept)
        case "note":
            if old is None:
                raise NotFoundError(f"'{habit.name}' has no check-in on {day.isoformat()} to add a note to")
            return CheckIn(day, old.value, old.skipped, _note(change.note or "", kept))


def change_day(s: Session, habit: Habit, day: date, change: Change) -> CheckinOutcome:
    """Make the change as one event, and evaluate the habit before and after it."""
    store, today = s.store, s.today
    with store.write():
        old = store.checkin(habit.id, day)
        new = next_state(habit, day, old, change)
        rows = store.day_rows(habit.id).get(habit.id, [])
        cached = store.cached_stats(today.toordinal(), STATS_VERSION, habit.id).get(habit.id)
        before = stats_from_json(json.loads(cached)) if cached else analyze_rows(habit, rows, today)
        if new is not None:
            store.record(ev.CHECKIN_SET, ev.checkin_payload(habit.id, new))
        elif old is not None:
            store.record(ev.CHECKIN_CLEAR, {"habit_id": habit.id, "date": day.isoformat()})
        after = analyze_rows(habit, _with_day(rows, day, new), today)
        store.cache_stats_now(today.toordinal(), STATS_VERSION, {habit.id: json.dumps(stats_to_json(after))})
        reached = stats_milestone(habit, before, after)
        if reached is not None and not store.announce(habit.id, reached.key):
            reached = None  # announced before (done, undo, done): once is enough
    return CheckinOutcome(habit, day, new, old, after, reached)


def check_in(
    s: Session, habit: Habit, day: date, *, value: float | None = None, note: str | None = None
) -> CheckinOutcome:
    """Mark a habit done on a day (without a value: its target, 0 for a quit habit, 1 for a yes/no one)."""
    return change_day(s, habit, day, Change("done", value, note))


def skip(s: Session, habit: Habit, day: date, *, note: str | None = None) -> CheckinOutcome:
    """Skip a day: it neither breaks nor extends the streak."""
    return change_day(s, habit, day, Change("skip", note=note))


def clear(s: Session, habit: Habit, day: date) -> CheckinOutcome:
    """Remove a day's check-in (NotFoundError when the day holds none)."""
    return change_day(s, habit, day, Change("clear"))


def toggle(s: Session, habit: Habit, day: date, *, skipping: bool = False) -> CheckinOutcome:
    """Done (or, ``skipping``, skipped) unless the day is already so; then clear it."""
    return change_day(s, habit, day, Change("toggle_skip" if skipping else "toggle"))


def set_note(s: Session, habit: Habit, day: date, note: str) -> CheckinOutcome:
    """Write the note of a day's check-in (the day must hold one; an empty note removes it)."""
    return change_day(s, habit, day, Change("note", note=note))


def _checked(compute: Callable[[], float]) -> float:
    try:
        return compute()
    except DomainError as exc:
        raise HabitError(str(exc)) from None


def _note(note: str | None, kept: str) -> str:
    """A new note, checked; without one the day keeps the note it had."""
    if note is None:
        return kept
    try:
        return NOTE.clean(note)
    except DomainError as exc:
        raise HabitError(str(exc)) from None


def _with_day(rows: list[DayRow], day: date, c: CheckIn | None) -> list[DayRow]:
    """The habit's rows with ``day`` holding ``c`` (None: nothing), without reading them again."""
    o = day.toordinal()
    out = [r for r in rows if r[0] != o]
    if c is not None:
        out.append((o, c.value, c.skipped))
    return out
