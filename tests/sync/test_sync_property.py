"""Property: devices that edit offline in any interleaving and sync in any order end identical.

Two or three devices share an account on a real server. Each does random offline edits (create,
rename, check in, undo, skip, archive, delete, the same day on two devices, the same field on two
devices) with syncs in between, in an order hypothesis picks. Then every device syncs until
nothing moves. All of them show the same ``habit list --json`` and ``habit show --json`` for every
habit, and that state is what the reference :class:`Replica` makes of the server's whole log.
"""

from __future__ import annotations

import contextlib
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habit_tui.errors import HabitError
from habit_tui.services import account as accounts
from habit_tui.services import checkins
from habit_tui.services import habits as svc
from habit_tui.services.context import Session
from habit_tui.services.habits import HabitDraft
from habit_tui.services.views import detail_json, habit_detail, habit_rows, row_json
from sync_protocol.domain.fields import HABIT_FIELD_TABLE, habit_to_fields
from sync_protocol.domain.merge import Replica
from tests.sync.conftest import TODAY, Device, Server, new_username

NAMES = ["Read", "Run", "Water"]
DAYS = [TODAY - timedelta(days=n) for n in range(3)]

Step = tuple[int, str, int, int]
"""(device, operation, a habit of that device by index, a name or day by index)."""
OPERATIONS = ["add", "add", "rename", "done", "done", "done", "undo", "skip", "archive", "unarchive", "delete", "sync"]


def steps(devices: int) -> st.SearchStrategy[list[Step]]:
    step = st.tuples(st.integers(0, devices - 1), st.sampled_from(OPERATIONS), st.integers(0, 5), st.integers(0, 2))
    return st.lists(step, min_size=4, max_size=24)


def perform(s: Session, op: str, which: int, arg: int) -> None:
    """One edit a person makes on this device (what the app or the commands call)."""
    if op == "add":
        svc.add_habit(s, HabitDraft(NAMES[arg]), start_date=DAYS[-1])
        return
    shown = s.store.habits(include_archived=True)
    if not shown:
        return
    habit = shown[which % len(shown)]
    day = DAYS[arg]
    match op:
        case "rename":
            svc.edit_habit(s, habit, HabitDraft(name=f"{NAMES[arg]} {which}"))
        case "done":
            checkins.check_in(s, habit, day)
        case "undo":
            checkins.clear(s, habit, day)
        case "skip":
            checkins.skip(s, habit, day, note=f"note {which}")
        case "archive" | "unarchive":
            svc.archive_habit(s, habit, archived=op == "archive")
        case "delete":
            svc.delete_habit(s, habit)


def shown(device: Device) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What ``habit list --all --json`` and ``habit show NAME --json`` print on this device, computed in process."""
    with device.session() as s:
        rows = habit_rows(s, include_archived=True)
        return [row_json(r) for r in rows], [detail_json(habit_detail(s, r.habit)) for r in rows]


def replica_of_server(device: Device) -> Replica:
    """The reference replica fed the server's whole log."""
    replica = Replica()
    with device.session() as s:
        api = accounts.open_api(s)
        try:
            after, more = 0, True
            while more:
                page = api.pull(after, 1000)
                replica.apply_all([ev for ev, _ in page.events])
                after, more = page.next, page.has_more
        finally:
            api.close()
    return replica


def device_state(device: Device) -> dict[str, tuple[dict[str, Any], dict[str, tuple[float | None, bool, str]]]]:
    with device.session() as s:
        every = s.store.all_checkins()
        return {
            h.id: (
                {k: v for k, v in habit_to_fields(h).items() if k != "start_date"},
                {c.date.isoformat(): (c.value, c.skipped, c.note) for c in every.get(h.id, [])},
            )
            for h in s.store.habits(include_archived=True)
        }


def replica_state(replica: Replica) -> dict[str, tuple[dict[str, Any], dict[str, tuple[float | None, bool, str]]]]:
    return {
        hid: (
            {f.name: state["fields"].get(f.name, f.default) for f in HABIT_FIELD_TABLE if f.name != "start_date"},
            dict(state["checkins"]),
        )
        for hid, state in replica.visible().items()
    }


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), count=st.integers(2, 3))
def test_devices_converge_whatever_they_did_offline(sync_server: Server, data: st.DataObject, count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        devices = [Device(Path(tmp) / f"device{i}") for i in range(count)]
        user = new_username()
        devices[0].register(sync_server.url, user)
        for device in devices[1:]:
            device.login(sync_server.url, user)
        for who, op, which, arg in data.draw(steps(count), label="steps"):
            if op == "sync":
                devices[who].sync()
                continue
            with devices[who].session() as s, contextlib.suppress(HabitError):
                perform(s, op, which, arg)  # a HabitError is what a person is told: no such day, a name taken...
        for _ in range(3):  # until quiet: a rename made by one device's sync reaches the others next round
            for i in data.draw(st.permutations(range(count)), label="sync order"):
                devices[i].sync()
        first = shown(devices[0])
        for device in devices[1:]:
            assert shown(device) == first
        names = [h["name"].casefold() for h in first[0]]
        assert len(names) == len(set(names))  # every name picks out one habit
        assert device_state(devices[0]) == replica_state(replica_of_server(devices[0]))
