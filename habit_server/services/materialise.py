"""Fold events into the materialised habits and check-ins, by the merge rule every replica uses.

The rule is ``sync_protocol.domain.merge`` (``effect_of`` and ``wins``): an event wins a slot
(one per habit field, one per (habit, date)) only if its stamp is greater than the stored one,
and ``habit.delete`` is final. Called inside the write transaction, under the user's row lock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from habit_server.services.logtx import LogTx, Slot
from sync_protocol.domain.events import Event, Stamp
from sync_protocol.domain.merge import CheckinSlot, effect_of, wins


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


async def materialise(tx: LogTx, user_id: uuid.UUID, events: Sequence[Event]) -> None:
    effects = [(ev, eff) for ev in events if (eff := effect_of(ev)) is not None]
    if not effects:
        return
    habit_ids = sorted({eff.habit_id for _, eff in effects})
    habits: dict[str, _Habit] = {hid: _Habit(exists=False) for hid in habit_ids}
    for hid, created, deleted, stamps in await tx.habits(user_id, habit_ids):
        habits[hid] = _Habit(exists=True, created=created, deleted=deleted, stamps=json.loads(stamps))

    slots = sorted({(eff.habit_id, eff.checkin_date) for _, eff in effects if eff.checkin_date is not None})
    old_checkins = await tx.checkin_stamps(user_id, slots) if slots else {}
    new_checkins: dict[Slot, tuple[Stamp, CheckinSlot]] = {}

    for ev, eff in effects:
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

    await _write_habits(tx, user_id, habits)
    rows = [
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
    if rows:
        await tx.upsert_checkins(rows, set(old_checkins))


async def _write_habits(tx: LogTx, user_id: uuid.UUID, habits: dict[str, _Habit]) -> None:
    fresh = []
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
            await tx.update_habit(user_id, hid, row)
        else:
            fresh.append({**_DEFAULTS, "user_id": user_id, "id": hid, **row})
    if fresh:
        await tx.insert_habits(fresh)
    gone = [hid for hid, habit in habits.items() if habit.deleted and habit.dirty]
    if gone:
        await tx.delete_checkins(user_id, gone)
