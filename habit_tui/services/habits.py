"""Creating, changing and checking in habits. Every change is one event, applied atomically."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from habit_tui.errors import ConflictError, HabitError, NotFoundError
from habit_tui.store.repository import Store
from sync_protocol.domain import events as ev
from sync_protocol.domain.checkin import CheckIn, validate_note, validate_value
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.habit import (
    Habit,
    HabitKind,
    TargetType,
    format_number,
    parse_tags,
    validate_color,
    validate_description,
    validate_name,
    validate_target,
    validate_unit,
)
from sync_protocol.domain.ids import is_uuid, uuid7
from sync_protocol.domain.schedule import Schedule


def resolve(store: Store, ref: str, *, include_archived: bool = True) -> Habit:
    """Find a habit by exact name, then unique case-insensitive prefix, or by id."""
    habits = store.habits(include_archived=include_archived)
    for h in habits:
        if h.name == ref:
            return h
    folded = ref.casefold().strip()
    exact = [h for h in habits if h.name.casefold() == folded]
    if len(exact) == 1:
        return exact[0]
    if not folded:
        raise NotFoundError("no habit name given")
    matches = [h for h in habits if h.name.casefold().startswith(folded)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        names = ", ".join(f"'{h.name}'" for h in matches[:5])
        raise ConflictError(f"'{ref}' matches several habits: {names}; type more of the name")
    if is_uuid(ref):
        found = store.habit(ref.lower())
        if found is not None and (include_archived or not found.archived):
            return found
    raise NotFoundError(f"no habit named '{ref}' (see 'habit list --all')")


def _check_unique(habits: list[Habit], name: str, except_id: str | None = None) -> None:
    folded = name.casefold()
    for h in habits:
        if h.id != except_id and h.name.casefold() == folded:
            raise ConflictError(f"a habit named '{h.name}' already exists")


def _domain(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except DomainError as exc:
        raise HabitError(str(exc)) from None


def add_habit(
    store: Store,
    today: date,
    name: str,
    *,
    schedule: str = "daily",
    target: float | None = None,
    unit: str = "",
    at_most: bool = False,
    description: str = "",
    tags: str = "",
    color: str = "",
    start_date: date | None = None,
) -> Habit:
    clean = _domain(validate_name, name)
    measurable = target is not None or bool(unit.strip()) or at_most
    habit = Habit(
        id=uuid7(),
        name=clean,
        schedule=_domain(Schedule.parse, schedule),
        start_date=start_date or today,
        kind=HabitKind.MEASURABLE if measurable else HabitKind.YES_NO,
        description=_domain(validate_description, description),
        unit=_domain(validate_unit, unit),
        target=_domain(validate_target, target if target is not None else (0.0 if at_most else 1.0)),
        target_type=TargetType.AT_MOST if at_most else TargetType.AT_LEAST,
        tags=_domain(parse_tags, tags),
        color=_domain(validate_color, color),
    )
    with store.write():
        existing = store.habits(include_archived=True)
        _check_unique(existing, clean)
        position = max((h.position for h in existing), default=-1) + 1
        habit = replace(habit, position=position)
        store.record(ev.HABIT_CREATE, {"habit_id": habit.id, **ev.habit_to_fields(habit)})
    return habit


def edit_habit(
    store: Store,
    habit: Habit,
    *,
    name: str | None = None,
    schedule: str | None = None,
    target: float | None = None,
    unit: str | None = None,
    at_most: bool | None = None,
    description: str | None = None,
    tags: str | None = None,
    color: str | None = None,
    position: int | None = None,
) -> Habit:
    """Change the given fields; only fields that really change go into the event."""
    new = habit
    if name is not None:
        new = replace(new, name=_domain(validate_name, name))
    if schedule is not None:
        new = replace(new, schedule=_domain(Schedule.parse, schedule))
    if target is not None or unit is not None or at_most is not None:
        measurable = habit.is_measurable or target is not None or bool((unit or "").strip()) or bool(at_most)
        if not measurable:
            raise HabitError("--at-most needs a measurable habit (give --target and --unit)")
        new = replace(
            new,
            kind=HabitKind.MEASURABLE,
            target=_domain(validate_target, target) if target is not None else new.target,
            unit=_domain(validate_unit, unit) if unit is not None else new.unit,
            target_type=(TargetType.AT_MOST if at_most else TargetType.AT_LEAST)
            if at_most is not None
            else new.target_type,
        )
    if description is not None:
        new = replace(new, description=_domain(validate_description, description))
    if tags is not None:
        new = replace(new, tags=_domain(parse_tags, tags))
    if color is not None:
        new = replace(new, color=_domain(validate_color, color))
    if position is not None:
        new = replace(new, position=position)
    before = ev.habit_to_fields(habit)
    changes = {k: v for k, v in ev.habit_to_fields(new).items() if before[k] != v}
    if not changes:
        return habit
    with store.write():
        if "name" in changes:
            _check_unique(store.habits(include_archived=True), new.name, except_id=habit.id)
        store.record(ev.HABIT_UPDATE, {"habit_id": habit.id, **changes})
    return new


def archive_habit(store: Store, habit: Habit, *, archived: bool = True) -> Habit:
    if habit.archived != archived:
        store.record(ev.HABIT_ARCHIVE, {"habit_id": habit.id, "archived": archived})
    return replace(habit, archived=archived)


def delete_habit(store: Store, habit: Habit) -> None:
    store.record(ev.HABIT_DELETE, {"habit_id": habit.id})


def move_habit(store: Store, habit: Habit, delta: int, *, include_archived: bool = True) -> bool:
    """Move a habit one place up (-1) or down (+1) among the habits the user sees.

    Hidden (archived) habits in between are jumped over, so one move is always visible.
    Positions are renumbered as needed. False when the habit is already first or last.
    """
    with store.write():
        order = store.habits(include_archived=True)
        shown = [h.id for h in order if include_archived or not h.archived]
        if habit.id not in shown:
            return False
        j = shown.index(habit.id) + (1 if delta > 0 else -1)
        if not 0 <= j < len(shown):
            return False
        ids = [h.id for h in order]
        order.insert(ids.index(shown[j]), order.pop(ids.index(habit.id)))
        for pos, h in enumerate(order):
            if h.position != pos:
                store.record(ev.HABIT_UPDATE, {"habit_id": h.id, "position": pos})
    return True


def check_in(
    store: Store,
    habit: Habit,
    day: date,
    *,
    value: float | None = None,
    note: str | None = None,
) -> CheckIn:
    """Mark a habit done on a day (measurable habits default to their target)."""
    default = habit.target if habit.is_measurable else 1.0
    amount = _domain(validate_value, habit, default if value is None else value)
    return _set_checkin(store, habit, day, amount, note)


def skip(store: Store, habit: Habit, day: date, *, note: str | None = None) -> CheckIn:
    return _set_checkin(store, habit, day, None, note)


def _set_checkin(store: Store, habit: Habit, day: date, amount: float | None, note: str | None) -> CheckIn:
    """Write a day's value (None: a skip); without a new note the day keeps the one it had."""
    with store.write():
        old = store.checkin(habit.id, day)
        text = _domain(validate_note, note) if note is not None else (old.note if old else "")
        checkin = CheckIn(day, amount, amount is None, text)
        store.record(ev.CHECKIN_SET, checkin_payload(habit.id, checkin))
    return checkin


def checkin_payload(habit_id: str, c: CheckIn) -> dict[str, Any]:
    """The ``checkin.set`` payload that writes ``c``."""
    payload: dict[str, Any] = {"habit_id": habit_id, "date": c.date.isoformat()}
    if c.skipped:
        payload["skip"] = True
    else:
        payload["value"] = c.value
    if c.note:
        payload["note"] = c.note
    return payload


def set_note(store: Store, habit: Habit, day: date, note: str) -> CheckIn:
    """Attach a note to a day's check-in (the check-in must exist)."""
    with store.write():
        old = store.checkin(habit.id, day)
        if old is None:
            raise NotFoundError(f"'{habit.name}' has no check-in on {day.isoformat()} to add a note to")
        if old.skipped:
            return skip(store, habit, day, note=note)
        return check_in(store, habit, day, value=old.value, note=note)


def undo(store: Store, habit: Habit, day: date) -> CheckIn:
    """Remove a day's check-in; returns what was removed."""
    with store.write():
        old = store.checkin(habit.id, day)
        if old is None:
            raise NotFoundError(f"'{habit.name}' has no check-in on {day.isoformat()}")
        store.record(ev.CHECKIN_CLEAR, {"habit_id": habit.id, "date": day.isoformat()})
    return old


def describe_checkin(habit: Habit, c: CheckIn) -> str:
    if c.skipped:
        return "skipped"
    if habit.is_measurable and c.value is not None:
        return f"{format_number(c.value)} {habit.unit}".rstrip()
    return "done"
