"""Creating and changing habits, and finding them by name. Every change is one event, applied atomically.

What a person typed (a command's options, the editor's fields) arrives as a :class:`HabitDraft`;
:func:`draft_fields` checks it against the habit field table and says what is wrong with each
field, for the editor to show as it is typed and for the commands to report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

from habit_tui.errors import ConflictError, HabitError, NotFoundError
from habit_tui.services.context import Session
from sync_protocol.domain import events as ev
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.fields import FIELDS, HABIT_NAME, habit_from_fields, habit_to_fields
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.ids import is_uuid, uuid7
from sync_protocol.domain.text import name_key


def needs_measurable(habit: Habit) -> str:
    """Why a goal cannot be given to a yes/no habit without saying it becomes measurable."""
    return f"'{habit.name}' is a yes/no habit: to give it a target, unit or limit, add --kind measurable"


def stays_measurable(habit: Habit) -> str:
    return f"'{habit.name}' is measurable and cannot become a yes/no habit (its values would lose their meaning)"


class HabitDraft(NamedTuple):
    """A habit as a person typed it. ``None``: not given (on an edit: unchanged)."""

    name: str | None = None
    schedule: str | None = None
    target: float | None = None
    unit: str | None = None
    at_most: bool | None = None
    description: str | None = None
    tags: str | None = None
    color: str | None = None
    measurable: bool | None = None
    """Chosen outright (the editor, ``--kind``). None: a new habit is measurable when a target, unit or
    --at-most is given; an edit keeps the kind (a goal for a yes/no habit is refused)."""

    def is_empty(self) -> bool:
        return all(value is None for value in self)


_TYPED = ("name", "schedule", "unit", "description", "tags", "color")


def draft_fields(draft: HabitDraft, base: Habit | None) -> tuple[dict[str, Any], dict[str, str]]:
    """The habit fields the draft sets (checked JSON values) and what is wrong, per field.

    ``base`` is the habit being edited, or None for a new one. Problems with the goal are keyed
    ``target`` (or ``kind`` when a goal is given to a yes/no habit that is not made measurable, or a
    measurable habit would become yes/no).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def take(name: str, value: Any, typed: bool) -> None:
        spec = FIELDS[name]
        try:
            values[name] = spec.parse(value) if typed else spec.check(value)
        except DomainError as exc:
            errors[name] = str(exc)

    for name in _TYPED:
        text = getattr(draft, name)
        if text is not None:
            take(name, text, typed=True)
    unit_given = bool((draft.unit or "").strip())
    wants_goal = draft.target is not None or unit_given or bool(draft.at_most)
    measurable = draft.measurable if draft.measurable is not None else wants_goal
    if base is None:
        values["kind"] = "measurable" if measurable else "yes_no"
        if measurable:
            take("target", draft.target if draft.target is not None else (0.0 if draft.at_most else 1.0), False)
            values["target_type"] = "at_most" if draft.at_most else "at_least"
        return values, errors
    if draft.measurable is False and base.is_measurable:
        errors["kind"] = stays_measurable(base)
        return values, errors
    goal_given = draft.target is not None or draft.unit is not None or draft.at_most is not None
    if not base.is_measurable and draft.measurable is not True:
        if goal_given:
            errors["kind"] = needs_measurable(base)
        return values, errors
    if not goal_given and base.is_measurable:
        return values, errors
    values["kind"] = "measurable"
    if draft.target is not None:
        take("target", draft.target, False)
    if draft.at_most is not None:
        values["target_type"] = "at_most" if draft.at_most else "at_least"
    return values, errors


def name_taken(names: Mapping[str, str], name: str, except_id: str | None = None) -> str | None:
    """Why ``name`` cannot be used (another habit, archived or not, has a name that looks the same), or None."""
    key = name_key(name)
    for hid, other in names.items():
        if hid != except_id and name_key(other) == key:
            return f"a habit named '{other}' already exists"
    return None


def _checked(draft: HabitDraft, base: Habit | None) -> dict[str, Any]:
    values, errors = draft_fields(draft, base)
    if errors:
        raise HabitError(next(iter(errors.values())))
    return values


def habit_names(s: Session) -> dict[str, str]:
    """Every habit's name (archived ones too) by id, for checking a new name is free."""
    return {h.id: h.name for h in s.store.habits(include_archived=True)}


def resolve(s: Session, ref: str, *, include_archived: bool = True) -> Habit:
    """Find a habit by exact name, then unique case-insensitive prefix, or by id."""
    named = s.store.habit_named(ref)
    if named is not None and (include_archived or not named.archived):
        return named
    habits = s.store.habits(include_archived=include_archived)
    for h in habits:
        if h.name == ref:
            return h
    key = name_key(ref)
    keys = {h.id: name_key(h.name) for h in habits}
    exact = [h for h in habits if keys[h.id] == key]
    if len(exact) == 1:
        return exact[0]
    if not key:
        raise NotFoundError("no habit name given")
    matches = [h for h in habits if keys[h.id].startswith(key)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        names = ", ".join(f"'{h.name}'" for h in matches[:5])
        raise ConflictError(f"'{ref}' matches several habits: {names}; type more of the name")
    if is_uuid(ref):
        found = s.store.habit(ref.lower())
        if found is not None and (include_archived or not found.archived):
            return found
    raise NotFoundError(f"no habit named '{ref}' (see 'habit list --all')")


def current_habit(s: Session, habit_id: str) -> Habit:
    """The habit as stored now (a screen's copy may be stale); NotFoundError if it is gone."""
    habit = s.store.habit(habit_id)
    if habit is None:
        raise NotFoundError("that habit no longer exists (deleted elsewhere?)")
    return habit


def add_habit(s: Session, draft: HabitDraft, *, start_date: date | None = None) -> Habit:
    """Create a habit (last in the manual order) from what a person typed."""
    if draft.name is None:
        raise HabitError("a habit name cannot be empty")
    values = _checked(draft, None)
    values["start_date"] = (start_date or s.today).isoformat()
    with s.store.write():
        existing = s.store.habits(include_archived=True)
        problem = name_taken({h.id: h.name for h in existing}, values["name"])
        if problem:
            raise ConflictError(problem)
        values["position"] = max((h.position for h in existing), default=-1) + 1
        habit = habit_from_fields(uuid7(), values, s.today)
        s.store.record(ev.HABIT_CREATE, {"habit_id": habit.id, **habit_to_fields(habit)})
    return habit


def edit_habit(s: Session, habit: Habit, draft: HabitDraft) -> Habit:
    """Change the fields the draft gives; only fields that really change go into the event."""
    before = habit_to_fields(habit)
    after = {**before, **_checked(draft, habit)}
    changes = {k: v for k, v in after.items() if before[k] != v}
    if not changes:
        return habit
    with s.store.write():
        if "name" in changes:
            problem = name_taken(habit_names(s), changes["name"], except_id=habit.id)
            if problem:
                raise ConflictError(problem)
        s.store.record(ev.HABIT_UPDATE, {"habit_id": habit.id, **changes})
    return habit_from_fields(habit.id, after, habit.start_date)


def archive_habit(s: Session, habit: Habit, *, archived: bool = True) -> Habit:
    if habit.archived != archived:
        s.store.record(ev.HABIT_ARCHIVE, {"habit_id": habit.id, "archived": archived})
    return replace(habit, archived=archived)


def delete_habit(s: Session, habit: Habit) -> None:
    s.store.record(ev.HABIT_DELETE, {"habit_id": habit.id})


def move_habit(s: Session, habit: Habit, delta: int, *, include_archived: bool = True) -> bool:
    """Move a habit one place up (-1) or down (+1) among the habits the user sees.

    Hidden (archived) habits in between are jumped over, so one move is always visible.
    Positions are renumbered as needed. False when the habit is already first or last.
    """
    with s.store.write():
        order = s.store.habits(include_archived=True)
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
                s.store.record(ev.HABIT_UPDATE, {"habit_id": h.id, "position": pos})
    return True


def rename_duplicates(s: Session) -> list[tuple[str, str]]:
    """Make every name pick out one habit again (after a sync joined two devices' habits).

    Of habits whose names look the same (:func:`name_key`), the one with the smallest id keeps its name
    and the others become "Name (2)", "Name (3)"... (the first free number). Returns the renames.
    """
    renamed: list[tuple[str, str]] = []
    with s.store.write():
        habits = sorted(s.store.habits(include_archived=True), key=lambda h: h.id)
        taken = {name_key(h.name) for h in habits}
        seen: set[str] = set()
        for h in habits:
            key = name_key(h.name)
            if key not in seen:
                seen.add(key)
                continue
            n = 2
            while name_key(new := _numbered(h.name, n)) in taken:
                n += 1
            taken.add(name_key(new))
            s.store.record(ev.HABIT_UPDATE, {"habit_id": h.id, "name": new})
            renamed.append((h.name, new))
    return renamed


def _numbered(name: str, n: int) -> str:
    """``Read (2)``, shortening the name so the result stays within the name's length."""
    suffix = f" ({n})"
    return HABIT_NAME.clean(name[: HABIT_NAME.max_length - len(suffix)].rstrip() + suffix)
