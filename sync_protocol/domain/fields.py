"""The habit field table: every synced field of a habit, once.

Each :class:`HabitField` says what the field is called, its default, how a value is checked
and normalised (user text through its :class:`~sync_protocol.domain.text.TextRule`), how it is
written in JSON (event payloads, exports, ``--json``) and in a database column, and how big that
column is. Everything else is derived from this table: the event helpers below, the wire
models (``sync_protocol.wire.habits``), both stores' column lists and row mapping, the server's
ORM columns and defaults, and the export formats.

Adding a synced field means: a row here (and the attribute on :class:`Habit`), one migration on
each side, and the screens that show it.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, Literal, NamedTuple

from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.schedule import Schedule
from sync_protocol.domain.text import TextRule

Storage = Literal["text", "real", "integer", "boolean", "json"]
"""How a field's column holds it: ``json`` is a JSON document in a text column."""

HABIT_NAME = TextRule("a habit name", 80, "NFKC", collapse=True, required=True)
DESCRIPTION = TextRule("a description", 2000, multiline=True)
UNIT = TextRule("a unit", 20, "NFKC", collapse=True)
TAG = TextRule("a tag", 30, "NFKC", collapse=True, lower=True)
COLOR = r"#[0-9a-fA-F]{6}|[a-z_]{3,20}"
MAX_TARGET = 1e9
MAX_POSITION = 10**9
SCHEDULE_SIZE = 40


def _bad(name: str) -> DomainError:
    return DomainError(f"invalid value for habit field '{name}'")


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _bad(name)
    return value


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(name)
    try:
        return float(value)
    except OverflowError:  # an integer beyond any float
        raise _bad(name) from None


# ----- checks: a JSON value in, the normalised JSON value out --------------------------------------
def check_kind(value: Any) -> str:
    if value not in ("yes_no", "measurable"):
        raise _bad("kind")
    return str(value)


def check_target(value: Any) -> float:
    target = _number("target", value)
    if not math.isfinite(target) or target < 0:
        raise DomainError("the target must be a number of 0 or more")
    if target > MAX_TARGET:
        raise DomainError("the target is too large")
    return target


def check_target_type(value: Any) -> str:
    if value not in ("at_least", "at_most"):
        raise _bad("target_type")
    return str(value)


def check_schedule(value: Any) -> str:
    return str(Schedule.parse(_text("schedule", value)))


def check_tags(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(t, str) for t in value):
        raise _bad("tags")
    out: list[str] = []
    for raw in value:
        if "," in raw:
            raise DomainError(f"bad tag '{raw.strip()}': tags are at most {TAG.max_length} characters, no commas")
        try:
            tag = TAG.clean(raw)
        except DomainError as exc:
            raise DomainError(f"bad tag '{raw.strip()}': {exc}") from None
        if tag and tag not in out:
            out.append(tag)
    return out


def check_color(value: Any) -> str:
    clean = _text("color", value).strip()
    if clean and not re.fullmatch(COLOR, clean):
        raise DomainError(f"bad colour '{value}': use #rrggbb or a colour name like 'green'")
    return clean


def check_position(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_POSITION:
        raise _bad("position")
    return value


def check_archived(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _bad("archived")
    return value


_ISO_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"


def iso_day(value: Any) -> date | None:
    """The date ``value`` spells as exactly ``YYYY-MM-DD``, else None.

    ``date.fromisoformat`` also takes ``20240101`` and ISO weeks like ``2024-W01-1``; a check-in
    slot is keyed by the date text, so another spelling of the same day would be a second slot
    (and SQLite's date functions cannot read it).
    """
    if not isinstance(value, str) or re.fullmatch(_ISO_DAY, value) is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2100, 12, 31)
"""The calendar a habit lives in: start dates and check-in dates fall from FIRST_DAY to LAST_DAY,
so a habit's day-by-day history (streaks, scores) stays bounded."""


def calendar_day(value: Any) -> date | None:
    """The day ``value`` spells (:func:`iso_day`) when it falls from FIRST_DAY to LAST_DAY, else None."""
    day = iso_day(value)
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None


def check_start_date(value: Any) -> str:
    if calendar_day(value) is None:
        raise DomainError(f"start_date must be a date YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}")
    return str(value)


def split_tags(text: str) -> list[str]:
    """Tags as a person types them: ``health, Morning`` (checked by the ``tags`` field)."""
    return text.split(",")


# ----- the table ---------------------------------------------------------------------------------
def _same(value: Any) -> Any:
    return value


class HabitField(NamedTuple):
    name: str
    json_type: type
    """The type of the JSON value (``date``: an ISO date text)."""
    default: Any
    """The JSON value of a habit that never set this field (also the column default)."""
    check: Callable[[Any], Any]
    """A JSON value in, the normalised JSON value out; DomainError when it breaks the field's rule."""
    storage: Storage
    size: int | None = None
    """Longest text the column holds (None: unbounded text)."""
    to_json: Callable[[Any], Any] = _same
    """The :class:`Habit` attribute as a JSON value."""
    from_json: Callable[[Any], Any] = _same
    """A checked JSON value as the :class:`Habit` attribute."""
    text: TextRule | None = None
    """The rule of a user-text field."""
    bounds: tuple[float, float] | None = None
    """Smallest and largest value of a number field."""
    choices: tuple[str, ...] = ()
    """The values an enumerated field takes."""
    from_input: Callable[[str], Any] = _same
    """Text a person typed (a command-line option, a form field) as a JSON value to check."""

    def to_column(self, value: Any) -> Any:
        """A checked JSON value as the database holds it."""
        if self.storage == "json":
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        if self.storage == "real":
            return float(value)
        if self.storage == "boolean":
            return bool(value)
        return value

    def from_column(self, value: Any) -> Any:
        """A column's value as the JSON value (SQLite hands back 0/1 for booleans)."""
        if self.storage == "json":
            return json.loads(value)
        if self.storage == "boolean":
            return bool(value)
        if self.storage == "real":
            return float(value)
        if self.storage == "integer":
            return int(value)
        return value

    @property
    def column_default(self) -> Any:
        return self.to_column(self.default)

    def parse(self, text: str) -> Any:
        """What a person typed for this field, checked: DomainError with a message for them."""
        return self.check(self.from_input(text))


def _text_field(name: str, rule: TextRule, size: int | None) -> HabitField:
    return HabitField(name, str, "", rule.clean, "text", size, text=rule)


HABIT_FIELD_TABLE: tuple[HabitField, ...] = (
    _text_field("name", HABIT_NAME, HABIT_NAME.max_length),
    _text_field("description", DESCRIPTION, None),
    HabitField(
        "kind",
        str,
        "yes_no",
        check_kind,
        "text",
        16,
        to_json=lambda kind: kind.value,
        from_json=HabitKind,
        choices=tuple(k.value for k in HabitKind),
    ),
    _text_field("unit", UNIT, UNIT.max_length),
    HabitField("target", float, 1.0, check_target, "real", bounds=(0.0, MAX_TARGET)),
    HabitField(
        "target_type",
        str,
        "at_least",
        check_target_type,
        "text",
        16,
        to_json=lambda t: t.value,
        from_json=TargetType,
        choices=tuple(t.value for t in TargetType),
    ),
    HabitField("schedule", str, "daily", check_schedule, "text", SCHEDULE_SIZE, to_json=str, from_json=Schedule.parse),
    HabitField("tags", list, [], check_tags, "json", to_json=list, from_json=tuple, from_input=split_tags),
    HabitField("color", str, "", check_color, "text", 20),
    HabitField("position", int, 0, check_position, "integer", bounds=(-MAX_POSITION, MAX_POSITION)),
    HabitField("archived", bool, False, check_archived, "boolean"),
    HabitField(
        "start_date", date, "", check_start_date, "text", 10, to_json=date.isoformat, from_json=date.fromisoformat
    ),
)

FIELDS: dict[str, HabitField] = {f.name: f for f in HABIT_FIELD_TABLE}
HABIT_FIELDS: tuple[str, ...] = tuple(FIELDS)
"""The names of every synced habit field, in table order."""


def check_field(name: str, value: Any) -> Any:
    """Validate one habit slot's JSON value; returns the normalised value or raises DomainError."""
    spec = FIELDS.get(name)
    if spec is None:
        raise DomainError(f"unknown habit field '{name}'")
    return spec.check(value)


def habit_to_fields(habit: Habit) -> dict[str, Any]:
    """Every slot of a habit as JSON values."""
    return {f.name: f.to_json(getattr(habit, f.name)) for f in HABIT_FIELD_TABLE}


_FALLBACK_NAME = "(unnamed)"


def habit_from_fields(habit_id: str, fields: Mapping[str, Any], fallback_start: date) -> Habit:
    """Build a habit from JSON slots; missing or invalid slots take their defaults."""
    values: dict[str, Any] = {}
    for f in HABIT_FIELD_TABLE:
        try:
            value = f.check(fields.get(f.name, f.default))
        except DomainError:
            value = f.default
        values[f.name] = value
    return _habit(habit_id, values, fallback_start)


def habit_from_row(habit_id: str, row: Mapping[str, Any], fallback_start: date) -> Habit:
    """Build a habit from a stored row (columns by field name), written earlier by the merge."""
    return _habit_of_columns(habit_id, tuple(row[f.name] for f in HABIT_FIELD_TABLE), fallback_start)


@functools.lru_cache(maxsize=4096)
def _habit_of_columns(habit_id: str, columns: tuple[Any, ...], fallback_start: date) -> Habit:
    """A habit is immutable, and a store reads the same rows again and again (every check-in reads
    its habit): each distinct row is parsed once (its schedule, tags and dates)."""
    values = {f.name: f.from_column(c) for f, c in zip(HABIT_FIELD_TABLE, columns, strict=True)}
    return _habit(habit_id, values, fallback_start)


def _habit(habit_id: str, values: dict[str, Any], fallback_start: date) -> Habit:
    attrs: dict[str, Any] = {}
    for f in HABIT_FIELD_TABLE:
        value = values[f.name]
        try:
            attrs[f.name] = f.from_json(value)
        except (DomainError, ValueError):
            attrs[f.name] = f.from_json(f.default) if f.name not in ("start_date",) else fallback_start
    if not attrs["name"]:
        attrs["name"] = _FALLBACK_NAME
    return Habit(id=habit_id, **attrs)
