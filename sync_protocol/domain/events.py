"""Events: every change is an immutable event, and the codec between habits and payloads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sync_protocol.domain.checkin import MAX_NOTE, MAX_VALUE
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.habit import (
    Habit,
    HabitKind,
    TargetType,
    parse_tags,
    validate_color,
    validate_description,
    validate_name,
    validate_target,
    validate_unit,
)
from sync_protocol.domain.ids import is_uuid
from sync_protocol.domain.schedule import Schedule

SCHEMA = 1

HABIT_CREATE = "habit.create"
HABIT_UPDATE = "habit.update"
HABIT_ARCHIVE = "habit.archive"
HABIT_DELETE = "habit.delete"
CHECKIN_SET = "checkin.set"
CHECKIN_CLEAR = "checkin.clear"
KNOWN_KINDS = frozenset({HABIT_CREATE, HABIT_UPDATE, HABIT_ARCHIVE, HABIT_DELETE, CHECKIN_SET, CHECKIN_CLEAR})

HABIT_FIELDS: tuple[str, ...] = (
    "name",
    "description",
    "kind",
    "unit",
    "target",
    "target_type",
    "schedule",
    "tags",
    "color",
    "position",
    "archived",
    "start_date",
)

Stamp = tuple[int, str, str]


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str
    device_id: str
    device_seq: int
    hlc: int
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    schema: int = SCHEMA

    @property
    def stamp(self) -> Stamp:
        return (self.hlc, self.device_id, self.event_id)

    @property
    def habit_id(self) -> str | None:
        value = self.payload.get("habit_id")
        return value if isinstance(value, str) else None


def habit_to_fields(habit: Habit) -> dict[str, Any]:
    """Every slot of a habit as JSON-ready values."""
    return {
        "name": habit.name,
        "description": habit.description,
        "kind": habit.kind.value,
        "unit": habit.unit,
        "target": habit.target,
        "target_type": habit.target_type.value,
        "schedule": str(habit.schedule),
        "tags": list(habit.tags),
        "color": habit.color,
        "position": habit.position,
        "archived": habit.archived,
        "start_date": habit.start_date.isoformat(),
    }


def habit_from_fields(habit_id: str, fields: dict[str, Any], fallback_start: date) -> Habit:
    """Build a habit from stored slots; missing or invalid slots take their defaults."""

    def get(name: str, default: Any) -> Any:
        value = fields.get(name, default)
        try:
            return check_field(name, value)
        except DomainError:
            return default

    start = get("start_date", fallback_start.isoformat())
    return Habit(
        id=habit_id,
        name=str(get("name", "(unnamed)")),
        schedule=Schedule.parse(str(get("schedule", "daily"))),
        start_date=date.fromisoformat(start) if isinstance(start, str) else fallback_start,
        kind=HabitKind(get("kind", "yes_no")),
        description=str(get("description", "")),
        unit=str(get("unit", "")),
        target=float(get("target", 1.0)),
        target_type=TargetType(get("target_type", "at_least")),
        tags=tuple(get("tags", [])),
        color=str(get("color", "")),
        position=int(get("position", 0)),
        archived=bool(get("archived", False)),
    )


def check_field(name: str, value: Any) -> Any:
    """Validate one habit slot's JSON value; returns the normalised value or raises DomainError."""
    match name:
        case "name":
            return validate_name(_str(name, value))
        case "description":
            return validate_description(_str(name, value))
        case "kind":
            return HabitKind(_str(name, value)).value if value in ("yes_no", "measurable") else _bad(name)
        case "unit":
            return validate_unit(_str(name, value))
        case "target":
            if isinstance(value, bool) or not isinstance(value, int | float):
                _bad(name)
            return validate_target(float(value))
        case "target_type":
            return value if value in ("at_least", "at_most") else _bad(name)
        case "schedule":
            return str(Schedule.parse(_str(name, value)))
        case "tags":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                _bad(name)
            return list(parse_tags(value))
        case "color":
            return validate_color(_str(name, value))
        case "position":
            if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 10**9:
                _bad(name)
            return value
        case "archived":
            return value if isinstance(value, bool) else _bad(name)
        case "start_date":
            day = _iso_day(value)
            if day is None:
                _bad(name)
            return value
    raise DomainError(f"unknown habit field '{name}'")


def check_payload(kind: str, payload: dict[str, Any]) -> None:
    """Raise DomainError when a known kind's payload is malformed. Unknown kinds pass."""
    if kind not in KNOWN_KINDS:
        return
    hid = payload.get("habit_id")
    if not isinstance(hid, str) or not is_uuid(hid):
        raise DomainError("payload.habit_id must be a UUID")
    if kind in (HABIT_CREATE, HABIT_UPDATE):
        fields = {k: v for k, v in payload.items() if k != "habit_id"}
        if kind == HABIT_CREATE and "name" not in fields:
            raise DomainError("habit.create needs a name")
        for name, value in fields.items():
            if name in HABIT_FIELDS:
                check_field(name, value)
    elif kind == HABIT_ARCHIVE:
        if not isinstance(payload.get("archived", True), bool):
            raise DomainError("payload.archived must be true or false")
    elif kind in (CHECKIN_SET, CHECKIN_CLEAR):
        parsed = _iso_day(payload.get("date"))
        if parsed is None or parsed.year < 1970:
            raise DomainError("payload.date must be a date YYYY-MM-DD after 1970")
        if kind == CHECKIN_SET:
            skip = payload.get("skip", False)
            value = payload.get("value")
            if not isinstance(skip, bool):
                raise DomainError("payload.skip must be true or false")
            if not skip:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise DomainError("payload.value must be a number unless skip is true")
                if not (0 <= value <= MAX_VALUE):
                    raise DomainError("payload.value must be between 0 and 1e9")
            note = payload.get("note", "")
            if not isinstance(note, str) or len(note) > MAX_NOTE:
                raise DomainError(f"payload.note must be text of at most {MAX_NOTE} characters")


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: Any) -> date | None:
    """The date ``value`` spells as exactly ``YYYY-MM-DD``, else None.

    ``date.fromisoformat`` also takes ``20240101`` and ISO weeks like ``2024-W01-1``; a check-in
    slot is keyed by the date text, so another spelling of the same day would be a second slot
    (and SQLite's date functions cannot read it).
    """
    if not isinstance(value, str) or _ISO_DAY.fullmatch(value) is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        _bad(name)
    return str(value)


def _bad(name: str) -> Any:
    raise DomainError(f"invalid value for habit field '{name}'")
