"""The merge rule shared by every replica, and the planner both stores apply it with.

An event writes *slots*: one per habit field and one per (habit_id, date). It wins a slot only
if its stamp ``(hlc, device_id, event_id)`` is greater than the slot's stored stamp.
``habit.delete`` is final for that habit. The result is idempotent and commutative: replicas
that have seen the same set of events hold the same state, whatever the order or duplication.

:func:`plan` is the one implementation of that rule. A store is an I/O adapter around it: it
reads the :class:`Snapshot` that :func:`needs` names (the stored stamps of the touched habits
and check-in slots), calls :func:`plan` with the new events, and writes the :class:`Plan`
(rows with column values as the field table stores them). :class:`Replica` is the same rule
written as plainly as possible, in memory: the oracle the stores are tested against.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from sync_protocol.domain.events import CheckinSlot, Effect, Event, Stamp, effect_of
from sync_protocol.domain.fields import FIELDS, HABIT_FIELD_TABLE

Slot = tuple[str, str]
"""(habit id, date) of a check-in."""
Effects = list[tuple[Stamp, Effect]]
"""Events that change materialised state, as (stamp, what it changes)."""


def wins(new: Stamp, old: Stamp | None) -> bool:
    return old is None or new > old


def effects(events: Iterable[Event]) -> Effects:
    """The events that write slots, with what they write (unknown kinds and malformed events write none)."""
    return [(ev.stamp, eff) for ev in events if (eff := effect_of(ev)) is not None]


# ----- what a store reads ------------------------------------------------------------------------
class Needs(NamedTuple):
    """The stored rows a plan of these effects reads."""

    habit_ids: list[str]
    slots: list[Slot]


def needs(effs: Effects) -> Needs:
    habit_ids = sorted({eff.habit_id for _, eff in effs})
    slots = sorted({(eff.habit_id, eff.checkin_date) for _, eff in effs if eff.checkin_date is not None})
    return Needs(habit_ids, slots)


class StoredHabit(NamedTuple):
    """A habit row's merge state: whether it was created or deleted, and each field's stamp."""

    created: bool
    deleted: bool
    stamps: dict[str, Stamp]


class Snapshot(NamedTuple):
    """What a store holds under :class:`Needs`: rows that exist, and nothing for those that do not."""

    habits: Mapping[str, StoredHabit]
    checkins: Mapping[Slot, Stamp]
    """The stamp of the event that wrote each stored check-in slot."""


def stamps_to_column(stamps: Mapping[str, Stamp]) -> str:
    return json.dumps({name: list(s) for name, s in stamps.items()}, separators=(",", ":"), ensure_ascii=False)


def stamps_from_column(text: str) -> dict[str, Stamp]:
    return {name: (int(s[0]), str(s[1]), str(s[2])) for name, s in json.loads(text).items()}


# ----- what a store writes -----------------------------------------------------------------------
class HabitWrite(NamedTuple):
    habit_id: str
    insert: bool
    """No row yet: insert one, with ``columns`` holding every field."""
    created: bool
    deleted: bool
    columns: dict[str, Any]
    """Field columns to set (every field on insert, the changed ones on update), as stored."""
    stamps: str
    """Every field's stamp after this plan, as stored."""


class CheckinWrite(NamedTuple):
    habit_id: str
    date: str
    slot: CheckinSlot
    stamp: Stamp
    insert: bool
    """No row yet for this slot."""


class Plan(NamedTuple):
    habits: Sequence[HabitWrite] = ()
    checkins: Sequence[CheckinWrite] = ()
    purge: Sequence[str] = ()
    """Habits deleted by this plan: every check-in of theirs goes."""
    touched: Sequence[str] = ()
    """Every habit the events touch (a store drops what it computed from them)."""

    @property
    def writes_habits(self) -> bool:
        return bool(self.habits or self.purge)


class _Habit:
    """A habit's merge state while a plan is made."""

    __slots__ = ("created", "deleted", "dirty", "exists", "stamps", "values")

    def __init__(self, stored: StoredHabit | None) -> None:
        self.exists = stored is not None
        self.created = stored.created if stored else False
        self.deleted = stored.deleted if stored else False
        self.stamps: dict[str, Stamp] = dict(stored.stamps) if stored else {}
        self.values: dict[str, Any] = {}
        self.dirty = False


def plan(effs: Effects, snapshot: Snapshot) -> Plan:
    """The rows to write so the store holds the merge of what it held and these (new) events."""
    if not effs:
        return Plan()
    habits: dict[str, _Habit] = {}
    for _, eff in effs:
        if eff.habit_id not in habits:
            habits[eff.habit_id] = _Habit(snapshot.habits.get(eff.habit_id))
    was_deleted = {hid for hid, h in habits.items() if h.deleted}
    checkins: dict[Slot, tuple[Stamp, CheckinSlot]] = {}
    for stamp, eff in effs:
        habit = habits[eff.habit_id]
        if habit.deleted:
            continue
        if eff.deletes:
            habit.deleted = habit.dirty = True
            continue
        if eff.creates and not habit.created:
            habit.created = habit.dirty = True
        for name, value in eff.fields.items():
            if wins(stamp, habit.stamps.get(name)):
                habit.stamps[name] = stamp
                habit.values[name] = value
                habit.dirty = True
        if eff.checkin is not None and eff.checkin_date is not None:
            key = (eff.habit_id, eff.checkin_date)
            current = checkins[key][0] if key in checkins else snapshot.checkins.get(key)
            if wins(stamp, current):
                checkins[key] = (stamp, eff.checkin)
    return Plan(
        habits=[_habit_write(hid, h) for hid, h in sorted(habits.items()) if h.dirty or not h.exists],
        checkins=[
            CheckinWrite(hid, day, slot, stamp, insert=(hid, day) not in snapshot.checkins)
            for (hid, day), (stamp, slot) in sorted(checkins.items())
            if not habits[hid].deleted
        ],
        purge=sorted(hid for hid, h in habits.items() if h.deleted and hid not in was_deleted),
        touched=sorted(habits),
    )


def _habit_write(habit_id: str, h: _Habit) -> HabitWrite:
    if h.exists:
        columns = {name: FIELDS[name].to_column(value) for name, value in h.values.items()}
    else:
        columns = {f.name: f.to_column(h.values.get(f.name, f.default)) for f in HABIT_FIELD_TABLE}
    return HabitWrite(habit_id, not h.exists, h.created, h.deleted, columns, stamps_to_column(h.stamps))


# ----- the oracle --------------------------------------------------------------------------------
class Replica:
    """A reference replica held in memory: the merge rule with nothing else around it.

    The SQLite store and the server database apply the same rule through :func:`plan`; property
    tests check that this one converges, and that every store ends where this one does.
    """

    def __init__(self) -> None:
        self.fields: dict[tuple[str, str], tuple[Stamp, Any]] = {}
        self.checkins: dict[tuple[str, str], tuple[Stamp, CheckinSlot]] = {}
        self.created: set[str] = set()
        self.deleted: set[str] = set()
        self.clock = 0

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

    def apply_all(self, events: Sequence[Event]) -> Replica:
        for event in events:
            self.apply(event)
        return self

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
