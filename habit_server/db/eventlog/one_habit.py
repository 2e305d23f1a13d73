"""A REST write about one habit (a check-in set or cleared): what both backends share.

The backend reads the user's standing, the caller's device, the habit's row, every check-in of
the habit (for the answer's stats) and the stamps of the check-in slots the call may write (its
days), in one step; the service's :data:`HabitBuild` makes the events from them (pure: a backend
may call it twice, reading again under the lock when the head moved); the events are stamped
with the device's next ``device_seq`` numbers and merged with the domain's planner. The answer's
check-in days are the ones read with the plan's slot writes applied, so the write's answer needs
no second read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from habit_server.db.eventlog.base import EventSpec, Standing, Writes
from sync_protocol.domain.events import Event, Stamp
from sync_protocol.domain.ids import hlc_tick, now_ms, uuid7
from sync_protocol.domain.merge import Snapshot, StoredHabit, effects, needs

HabitBuild = Callable[[Standing, Mapping[str, Any] | None], list[EventSpec]]
"""Makes a REST call's events from the caller's standing and the habit's row (None: no live habit
by that id), or raises; pure."""

CheckinRow = tuple[str, float | None, bool, bool]
"""A stored check-in slot of the habit: (date, value, skipped, cleared)."""

Day = tuple[str, float | None, bool]
"""A live check-in: (date, value, skipped)."""


class HabitState(NamedTuple):
    """What a one-habit write reads, besides the standing."""

    device_seq: int
    """The caller's device's last ``device_seq`` (0 for an unknown device: its standing says so)."""
    row: Mapping[str, Any] | None
    """The live habit's columns by name (None: no live habit by that id)."""
    merge: StoredHabit | None
    """The habit row's merge state (None: no row at all)."""
    checkins: Sequence[CheckinRow]
    stamps: Mapping[str, Stamp | None]
    """The stored stamp of the slot of each day the write may touch (None: no slot yet)."""


class HabitRecorded(NamedTuple):
    """The events made, the head after them, the habit's row and its live check-in days after them."""

    events: list[Event]
    head: int
    row: Mapping[str, Any]
    days: list[Day]


class HabitPlan(NamedTuple):
    events: list[Event]
    writes: Writes | None
    """None when the build made no event."""
    device_seq: int
    """The device's last ``device_seq`` after these events."""


def stamped(specs: Sequence[EventSpec], device_id: str, last_seq: int, clock: int) -> list[Event]:
    """The events of ``specs``, numbered up to the device's ``last_seq`` and stamped after ``clock``."""
    now = now_ms()
    events = []
    for seq, (kind, payload) in enumerate(specs, start=last_seq - len(specs) + 1):
        clock = hlc_tick(clock, now)
        events.append(Event(uuid7(), device_id, seq, clock, kind, payload))
    return events


def plan_habit_write(
    standing: Standing, state: HabitState, habit_id: str, device_id: str, build: HabitBuild
) -> HabitPlan:
    """Build the events, stamp them after the device's last number and plan their merge from the
    habit's row and the stamps of the days read (which hold every slot these events may write)."""
    specs = build(standing, state.row)
    if not specs:
        return HabitPlan([], None, state.device_seq)
    last = state.device_seq + len(specs)
    events = stamped(specs, device_id, last, standing.clock)
    effs = effects(events)
    wanted = needs(effs)
    if any(h != habit_id for h in wanted.habit_ids) or any(d not in state.stamps for _, d in wanted.slots):
        raise ValueError("a one-habit write made events about another habit, or a day it did not read")
    snapshot = Snapshot(
        habits={habit_id: state.merge} if state.merge is not None else {},
        checkins={(habit_id, day): stamp for day, stamp in state.stamps.items() if stamp is not None},
    )
    return HabitPlan(events, Writes.after(standing, events, effs, snapshot), last)


def days_after(state: HabitState, habit_id: str, writes: Writes | None) -> list[Day]:
    """The habit's live check-in days once ``writes`` are stored: those read, with its slot writes applied."""
    days = {r[0]: (r[1], r[2]) for r in state.checkins if not r[3]}
    for w in writes.plan.checkins if writes is not None else ():
        if w.habit_id != habit_id:
            continue
        if w.slot.cleared:
            days.pop(w.date, None)
        else:
            days[w.date] = (w.slot.value, w.slot.skipped)
    return [(day, value, skipped) for day, (value, skipped) in days.items()]
