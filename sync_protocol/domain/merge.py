"""The merge rule shared by every replica.

An event writes *slots*: one per habit field and one per (habit_id, date). It wins a slot only
if its stamp ``(hlc, device_id, event_id)`` is greater than the slot's stored stamp.
``habit.delete`` is final for that habit. The result is idempotent and commutative: replicas
that have seen the same set of events hold the same state, whatever the order or duplication.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.events import (
    CHECKIN_CLEAR,
    CHECKIN_SET,
    HABIT_ARCHIVE,
    HABIT_CREATE,
    HABIT_DELETE,
    HABIT_FIELDS,
    HABIT_UPDATE,
    Event,
    Stamp,
    check_field,
    check_payload,
)


@dataclass(frozen=True, slots=True)
class CheckinSlot:
    """The value an event writes into a (habit, date) slot; ``cleared`` erases the check-in."""

    value: float | None
    skipped: bool
    note: str
    cleared: bool


@dataclass(frozen=True, slots=True)
class Effect:
    habit_id: str
    creates: bool = False
    deletes: bool = False
    fields: dict[str, Any] = field(default_factory=dict)
    checkin_date: str | None = None
    checkin: CheckinSlot | None = None


def wins(new: Stamp, old: Stamp | None) -> bool:
    return old is None or new > old


def effect_of(event: Event) -> Effect | None:
    """What an event writes, or None for unknown kinds and malformed payloads (stored, not applied)."""
    try:
        check_payload(event.kind, event.payload)
    except DomainError:
        return None
    p = event.payload
    hid = event.habit_id
    if hid is None:
        return None
    if event.kind in (HABIT_CREATE, HABIT_UPDATE):
        # Slots hold the normalised value (``" Run "`` -> ``"Run"``, ``"Mon, Wed"`` -> ``"mon,wed"``),
        # so every replica shows, compares and sorts the same text whoever wrote the event.
        fields = {k: check_field(k, v) for k, v in p.items() if k in HABIT_FIELDS}
        return Effect(hid, creates=event.kind == HABIT_CREATE, fields=fields)
    if event.kind == HABIT_ARCHIVE:
        return Effect(hid, fields={"archived": p.get("archived", True)})
    if event.kind == HABIT_DELETE:
        return Effect(hid, deletes=True)
    if event.kind == CHECKIN_SET:
        skip = bool(p.get("skip", False))
        value = None if skip else float(p["value"])
        slot = CheckinSlot(value, skip, str(p.get("note", "")), cleared=False)
        return Effect(hid, checkin_date=str(p["date"]), checkin=slot)
    if event.kind == CHECKIN_CLEAR:
        return Effect(hid, checkin_date=str(p["date"]), checkin=CheckinSlot(None, False, "", cleared=True))
    return None


@dataclass
class Replica:
    """A reference replica held in memory: the merge rule with nothing else around it.

    The SQLite store and the server database implement the same rule; property tests check
    that this one converges, and contract tests check the stores agree with it.
    """

    fields: dict[tuple[str, str], tuple[Stamp, Any]] = field(default_factory=dict)
    checkins: dict[tuple[str, str], tuple[Stamp, CheckinSlot]] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    clock: int = 0

    def apply(self, event: Event) -> None:
        self.clock = max(self.clock, event.hlc) + 1
        eff = effect_of(event)
        if eff is None:
            return
        hid = eff.habit_id
        if eff.creates:
            self.created.add(hid)
        if eff.deletes:
            self.deleted.add(hid)
        for name, value in eff.fields.items():
            old = self.fields.get((hid, name))
            if wins(event.stamp, old[0] if old else None):
                self.fields[(hid, name)] = (event.stamp, value)
        if eff.checkin is not None and eff.checkin_date is not None:
            key = (hid, eff.checkin_date)
            old_c = self.checkins.get(key)
            if wins(event.stamp, old_c[0] if old_c else None):
                self.checkins[key] = (event.stamp, eff.checkin)

    def visible(self) -> dict[str, Any]:
        """The state a user sees: live habits with their fields and check-ins."""
        live = sorted(self.created - self.deleted)
        out: dict[str, Any] = {}
        for hid in live:
            fields = {name: v for (h, name), (_, v) in self.fields.items() if h == hid}
            checks = {
                d: (c.value, c.skipped, c.note)
                for (h, d), (_, c) in self.checkins.items()
                if h == hid and not c.cleared
            }
            out[hid] = {"fields": fields, "checkins": checks}
        return out
