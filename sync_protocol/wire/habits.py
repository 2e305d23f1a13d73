"""Messages of the REST habit endpoints (parity with the original product's API).

The habit fields of :data:`HabitCreate`, :data:`HabitUpdate` and :data:`HabitOut` are built from
the domain's field table (``sync_protocol.domain.fields``), and the computed keys of ``HabitOut``
from the habit view (``sync_protocol.domain.view``): a field of a request is checked and
normalised by the field's own domain rule, the one sync events, the client and imports use, and
a rule that fails is answered with ``invalid_habit``. The OpenAPI document shows each rule's
limits. Each model's static base class holds what is not in the table; type checkers see that
base class.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from sync_protocol.domain.checkin import MAX_VALUE, NOTE, check_amount
from sync_protocol.domain.fields import FIELDS, HABIT_FIELD_TABLE, HabitField
from sync_protocol.domain.schedule import SCHEDULE_EXAMPLES
from sync_protocol.domain.view import VIEW_KEYS, schedule_of_frequency
from sync_protocol.wire.errors import ErrorCode
from sync_protocol.wire.rules import domain_rule, text_limits
from sync_protocol.wire.sync import UUID_PATTERN

_ABOUT = {
    "name": "Unique among your habits, ignoring case and look-alike characters (fullwidth letters...).",
    "kind": "Measurable habits have a unit, a target and a target_type.",
    "schedule": " | ".join(SCHEDULE_EXAMPLES),
    "tags": "A list, or comma-separated text.",
    "color": "#rrggbb or a colour name like 'green'.",
    "position": "Manual order, lowest first.",
    "start_date": "The first day the habit counts (YYYY-MM-DD).",
}
"""What the field table cannot say about a field, for the OpenAPI document."""
_CREATE_OPTIONAL = {
    "kind": "Default: measurable when a target is given, else yes_no.",
    "target": "Makes the habit measurable unless kind says otherwise.",
    "start_date": "Default: today.",
}
"""Fields a create request may leave out, with what that means."""


def _describe(field: HabitField, extra: str = "") -> dict[str, Any]:
    """``Field`` arguments that document a habit field: its rule in words, and its limits for OpenAPI."""
    limits: dict[str, Any] = {}
    words = [_ABOUT.get(field.name, "")]
    if field.text is not None:
        limits = text_limits(field.text)
        words.insert(0, f"{field.text.what.capitalize()}, at most {field.text.max_length} characters.")
    elif field.size is not None and field.json_type is str:
        limits = {"maxLength": field.size}
    if field.bounds is not None:
        limits = {"minimum": field.bounds[0], "maximum": field.bounds[1]}
    if field.choices:
        limits = {"enum": list(field.choices)}
    if field.json_type is dt.date:
        limits = {"format": "date"}
    description = " ".join(w for w in (*words, extra) if w)
    return {"description": description or None, "json_schema_extra": limits or None}


def _accepted(field: HabitField) -> Any:
    """A request's type for a habit field: its JSON type, checked and normalised by the domain rule."""
    if field.json_type is list:  # tags: also as text a person types ("health, Morning")

        def check(value: Any) -> Any:
            return field.check(field.from_input(value) if isinstance(value, str) else value)

        return Annotated[list[str] | str, domain_rule(check, ErrorCode.INVALID_HABIT)]
    json_type = str if field.json_type is dt.date else field.json_type  # a date is ISO text
    return Annotated[json_type, domain_rule(field.check, ErrorCode.INVALID_HABIT)]


def _answered(json_type: Any, choices: tuple[str, ...] = ()) -> Any:
    """A response's type for a JSON type (``date``: ISO text)."""
    if choices:
        return Literal[choices]
    if json_type is list:
        return list[str]
    return json_type


def _frequency(value: Any) -> str:
    return str(FIELDS["schedule"].check(schedule_of_frequency(value)))


Frequency = Annotated[str, domain_rule(_frequency, ErrorCode.INVALID_HABIT)]


class HabitCreateBase(BaseModel):
    """``POST /api/v1/habits``. ``frequency`` is the original API's name for ``schedule``."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=UUID_PATTERN, description="Client-made UUID; the server makes one.")
    frequency: Frequency | None = Field(
        default=None, description="Alias of schedule ('weekly' = 1/week, 'monthly' = 1/month)."
    )


class HabitUpdateBase(BaseModel):
    """``PUT /api/v1/habits/{id}``: only the fields given change (null: unchanged)."""

    model_config = ConfigDict(extra="forbid")

    frequency: Frequency | None = Field(default=None, description="Alias of schedule ('weekly' = 1/week).")


class HabitOutBase(BaseModel):
    """A habit with its stats, as ``habit list --json`` prints it."""

    id: str


def _create_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for f in HABIT_FIELD_TABLE:
        if f.name == "name":
            fields[f.name] = (_accepted(f), Field(..., **_describe(f)))
        elif f.name in _CREATE_OPTIONAL:
            fields[f.name] = (_accepted(f) | None, Field(default=None, **_describe(f, _CREATE_OPTIONAL[f.name])))
        else:
            fields[f.name] = (_accepted(f), Field(default=f.default, **_describe(f)))
    return fields


def _update_fields() -> dict[str, Any]:
    return {f.name: (_accepted(f) | None, Field(default=None, **_describe(f))) for f in HABIT_FIELD_TABLE}


def _out_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {
        f.name: (_answered(f.json_type, f.choices), Field(description=_describe(f)["description"]))
        for f in HABIT_FIELD_TABLE
    }
    for key in VIEW_KEYS:
        fields[key.name] = (_answered(key.json_type), ...)
    return fields


if TYPE_CHECKING:  # the static base classes
    HabitCreate = HabitCreateBase
    HabitUpdate = HabitUpdateBase
    HabitOut = HabitOutBase
else:
    HabitCreate = create_model(
        "HabitCreate", __base__=HabitCreateBase, __doc__=HabitCreateBase.__doc__, **_create_fields()
    )
    HabitUpdate = create_model(
        "HabitUpdate", __base__=HabitUpdateBase, __doc__=HabitUpdateBase.__doc__, **_update_fields()
    )
    HabitOut = create_model("HabitOut", __base__=HabitOutBase, __doc__=HabitOutBase.__doc__, **_out_fields())


class CompleteRequest(BaseModel):
    """``POST /api/v1/habits/{id}/complete``; an empty body means "done today"."""

    model_config = ConfigDict(extra="forbid")

    date: dt.date | None = Field(default=None, description="The user's calendar day; default: the server's today.")
    value: Annotated[float, domain_rule(check_amount, ErrorCode.INVALID_CHECKIN)] | None = Field(
        default=None,
        description="Measurable habits; yes/no habits take 1.",
        json_schema_extra={"minimum": 0, "maximum": MAX_VALUE},
    )
    note: Annotated[str, domain_rule(NOTE.clean, ErrorCode.INVALID_CHECKIN)] = Field(
        default="", description=f"At most {NOTE.max_length} characters.", json_schema_extra=text_limits(NOTE)
    )
    skip: bool = Field(default=False, description="Record a skip instead of a completion.")


class CheckinOut(BaseModel):
    """A check-in as ``habit show --json`` prints it."""

    date: dt.date
    value: float | None
    skipped: bool
    note: str


class HabitPage(BaseModel):
    items: list[HabitOut]
    total: int
    skip: int
    limit: int
