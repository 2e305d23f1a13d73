"""Fold events into the materialised habits and check-ins, by the merge rule every replica uses.

The rule is ``sync_protocol.domain.merge`` (``effect_of`` and ``wins``): an event wins a slot
(one per habit field, one per (habit, date)) only if its stamp is greater than the stored one,
and ``habit.delete`` is final. This module is pure: :func:`touched` names the rows a batch
needs, the write transaction reads them under the user's row lock, and :func:`plan` turns
the events and those rows into the rows to write.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from habit_server.services.logtx import Keys, Plan, Slot, Snapshot
from sync_protocol.domain.events import Event, Stamp
from sync_protocol.domain.merge import CheckinSlot, Effect, effect_of, wins

Effects = list[tuple[Event, Effect]]


@dataclass
class _Habit:
    exists: bool
    created: bool = False
    deleted: bool = False
    stamps: dict[str, list[Any]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    dirty: bool = False


def _stamp(raw: Sequence[Any] | None) -> Stamp | None:
    return (int(raw[0]), str(raw[1]), str(raw[2])) if raw else None


def column_value(name: str, value: Any) -> Any:
    if name == "tags":
        return json.dumps(list(value), separators=(",", ":"), ensure_ascii=False)
    if name == "archived":
        return bool(value)
    if name == "target":
        return float(value)
    return value


_DEFAULTS: dict[str, Any] = {
    "name": "",
    "description": "",
    "kind": "yes_no",
    "unit": "",
    "target": 1.0,
    "target_type": "at_least",
    "schedule": "daily",
    "tags": "[]",
    "color": "",
    "position": 0,
    "archived": False,
    "start_date": "",
}


def effects(events: Sequence[Event]) -> Effects:
    """The events that change materialised state, with what they change."""
    return [(ev, eff) for ev in events if (eff := effect_of(ev)) is not None]


def touched(event_ids: list[str], effs: Effects) -> Keys:
    """The rows a write of these events reads: known event ids, habits, check-in slots."""
    habit_ids = sorted({eff.habit_id for _, eff in effs})
    slots = sorted({(eff.habit_id, eff.checkin_date) for _, eff in effs if eff.checkin_date is not None})
    return Keys(event_ids, habit_ids, slots)


def plan(user_id: uuid.UUID, effs: Effects, snap: Snapshot) -> Plan:
    """The habit and check-in rows to write for these (new) events, given the stored rows."""
    if not effs:
        return Plan()
    habits: dict[str, _Habit] = {eff.habit_id: _Habit(exists=False) for _, eff in effs}
    for hid, created, deleted, stamps in snap.habits:
        if hid in habits:
            habits[hid] = _Habit(exists=True, created=created, deleted=deleted, stamps=json.loads(stamps))
    old_checkins = snap.checkins
    new_checkins: dict[Slot, tuple[Stamp, CheckinSlot]] = {}

    for ev, eff in effs:
        habit = habits[eff.habit_id]
        if habit.deleted:
            continue
        if eff.deletes:
            habit.deleted = habit.dirty = True
            continue
        if eff.creates and not habit.created:
            habit.created = habit.dirty = True
        for name, value in eff.fields.items():
            if wins(ev.stamp, _stamp(habit.stamps.get(name))):
                habit.stamps[name] = list(ev.stamp)
                habit.values[name] = column_value(name, value)
                habit.dirty = True
        if eff.checkin is not None and eff.checkin_date is not None:
            key = (eff.habit_id, eff.checkin_date)
            current = new_checkins[key][0] if key in new_checkins else old_checkins.get(key)
            if wins(ev.stamp, current):
                new_checkins[key] = (ev.stamp, eff.checkin)

    result = _habit_rows(user_id, habits)
    result.checkins = [
        {
            "user_id": user_id,
            "habit_id": hid,
            "date": day,
            "value": slot.value,
            "skipped": slot.skipped,
            "note": slot.note,
            "cleared": slot.cleared,
            "hlc": stamp[0],
            "device_id": stamp[1],
            "event_id": stamp[2],
        }
        for (hid, day), (stamp, slot) in new_checkins.items()
        if not habits[hid].deleted
    ]
    result.existing = {key for key in new_checkins if key in old_checkins}
    return result


def _habit_rows(user_id: uuid.UUID, habits: dict[str, _Habit]) -> Plan:
    result = Plan()
    for hid, habit in habits.items():
        if not habit.dirty and habit.exists:
            continue
        row = {
            **habit.values,
            "created": habit.created,
            "deleted": habit.deleted,
            "stamps": json.dumps(habit.stamps, separators=(",", ":")),
        }
        if habit.exists:
            result.habit_updates.append((hid, row))
        else:
            result.new_habits.append({**_DEFAULTS, "user_id": user_id, "id": hid, **row})
    result.gone = [hid for hid, habit in habits.items() if habit.deleted and habit.dirty]
    return result
