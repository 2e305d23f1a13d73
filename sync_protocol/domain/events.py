"""Events: every change is an immutable event; this module reads and writes their payloads.

:func:`effect_of` decodes a payload into the slots it writes (checking and normalising every
value on the way), :func:`check_payload` is the same check for a writer that wants the reason.
Unknown kinds are kept and passed on, never applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from sync_protocol.domain.checkin import NOTE, CheckIn, check_amount
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.fields import FIELDS, FIRST_DAY, LAST_DAY, calendar_day
from sync_protocol.domain.ids import is_uuid
from sync_protocol.domain.text import check_storable

SCHEMA = 1

HABIT_CREATE = "habit.create"
HABIT_UPDATE = "habit.update"
HABIT_ARCHIVE = "habit.archive"
HABIT_DELETE = "habit.delete"
CHECKIN_SET = "checkin.set"
CHECKIN_CLEAR = "checkin.clear"
KNOWN_KINDS = frozenset({HABIT_CREATE, HABIT_UPDATE, HABIT_ARCHIVE, HABIT_DELETE, CHECKIN_SET, CHECKIN_CLEAR})

Stamp = tuple[int, str, str]
"""``(hlc, device_id, event_id)``: the greater stamp wins a slot."""


class Event(NamedTuple):
    event_id: str
    device_id: str
    device_seq: int
    hlc: int
    kind: str
    payload: dict[str, Any]
    schema: int = SCHEMA

    @property
    def stamp(self) -> Stamp:
        return (self.hlc, self.device_id, self.event_id)

    @property
    def habit_id(self) -> str | None:
        value = self.payload.get("habit_id")
        return value if isinstance(value, str) else None


class CheckinSlot(NamedTuple):
    """The value an event writes into a (habit, date) slot; ``cleared`` erases the check-in."""

    value: float | None
    skipped: bool
    note: str
    cleared: bool


class Effect(NamedTuple):
    """The slots one event writes, with normalised values."""

    habit_id: str
    creates: bool = False
    deletes: bool = False
    fields: Mapping[str, Any] = MappingProxyType({})
    checkin_date: str | None = None
    checkin: CheckinSlot | None = None


CLEARED = CheckinSlot(None, False, "", cleared=True)


def decode(kind: str, payload: dict[str, Any]) -> Effect | None:
    """What a payload of a known kind writes; None for unknown kinds. DomainError when malformed."""
    if kind not in KNOWN_KINDS:
        return None
    hid = payload.get("habit_id")
    if not isinstance(hid, str) or not is_uuid(hid):
        raise DomainError("payload.habit_id must be a UUID")
    if kind in (HABIT_CREATE, HABIT_UPDATE):
        if kind == HABIT_CREATE and "name" not in payload:
            raise DomainError("habit.create needs a name")
        # Slots hold the normalised value (" Run " -> "Run", "Mon, Wed" -> "mon,wed"), so every
        # replica shows, compares and sorts the same text whoever wrote the event. Fields this
        # version does not know (from a newer client) are ignored.
        fields = {name: FIELDS[name].check(value) for name, value in payload.items() if name in FIELDS}
        return Effect(hid, creates=kind == HABIT_CREATE, fields=fields)
    if kind == HABIT_ARCHIVE:
        archived = payload.get("archived", True)
        if not isinstance(archived, bool):
            raise DomainError("payload.archived must be true or false")
        return Effect(hid, fields={"archived": archived})
    if kind == HABIT_DELETE:
        return Effect(hid, deletes=True)
    if calendar_day(payload.get("date")) is None:
        raise DomainError(f"payload.date must be a date YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}")
    text = str(payload["date"])
    if kind == CHECKIN_CLEAR:
        return Effect(hid, checkin_date=text, checkin=CLEARED)
    return Effect(hid, checkin_date=text, checkin=_checkin_slot(payload))


def _checkin_slot(payload: dict[str, Any]) -> CheckinSlot:
    skip = payload.get("skip", False)
    if not isinstance(skip, bool):
        raise DomainError("payload.skip must be true or false")
    value: float | None = None
    if not skip:
        if "value" not in payload:
            raise DomainError("payload.value must be a number unless skip is true")
        try:
            value = check_amount(payload["value"])
        except DomainError as exc:
            raise DomainError(f"payload.value: {exc} (a number from 0 to 1e9 unless skip is true)") from None
    try:
        note = NOTE.clean(payload.get("note", ""))
    except DomainError as exc:
        raise DomainError(f"payload.note: {exc}") from None
    return CheckinSlot(value, skip, note, cleared=False)


def check_payload(kind: str, payload: dict[str, Any]) -> None:
    """Raise DomainError when an event cannot be stored or, for a known kind, is malformed."""
    decode(kind, payload)
    check_storable(payload)


def effect_of(event: Event) -> Effect | None:
    """What an event writes, or None for unknown kinds and malformed payloads (stored, not applied)."""
    try:
        effect = decode(event.kind, event.payload)
        check_storable(event.payload)
    except DomainError:
        return None
    return effect


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
