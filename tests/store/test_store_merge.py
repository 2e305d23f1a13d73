"""Contract: the SQLite store merges events exactly like the reference replica in the domain."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habit_tui.store.repository import Store
from sync_protocol.domain.events import Event
from sync_protocol.domain.fields import habit_from_fields
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.ids import hlc_from_ms, now_ms
from sync_protocol.domain.merge import Replica
from tests.merge_events import DEVICES, HABITS, event_sets, shuffled_with_duplicates


@contextmanager
def fresh_stores(n: int) -> Iterator[list[Store]]:
    with tempfile.TemporaryDirectory() as tmp:
        stores = [Store.open(Path(tmp) / f"replica{i}.db") for i in range(n)]
        try:
            yield stores
        finally:
            for store in stores:
                store.close()


# ----- views to compare ------------------------------------------------------------------------

CheckinView = tuple[str, float | None, bool, str]


def expected_view(replica: Replica) -> tuple[dict[str, Habit], dict[str, list[CheckinView]]]:
    habits: dict[str, Habit] = {}
    checkins: dict[str, list[CheckinView]] = {}
    for hid, state in replica.visible().items():
        habits[hid] = habit_from_fields(hid, state["fields"], date.today())
        rows = [(d, v, s, n) for d, (v, s, n) in sorted(state["checkins"].items())]
        if rows:
            checkins[hid] = rows
    return habits, checkins


def store_view(store: Store) -> tuple[dict[str, Habit], dict[str, list[CheckinView]]]:
    habits = {h.id: h for h in store.habits(include_archived=True)}
    checkins = {
        hid: [(c.date.isoformat(), c.value, c.skipped, c.note) for c in rows]
        for hid, rows in store.all_checkins().items()
        if hid in habits
    }
    return habits, checkins


def same_habits(got: dict[str, Habit], want: dict[str, Habit], fields: dict[str, dict[str, Any]]) -> None:
    assert got.keys() == want.keys()
    for hid, stored in got.items():
        expected = want[hid]
        if "start_date" not in fields[hid]:  # neither replica knows it; each falls back to a default
            expected = replace(expected, start_date=stored.start_date)
        assert stored == expected


@settings(max_examples=60, deadline=None)
@given(events=event_sets(), data=st.data())
def test_store_matches_the_reference_replica_in_any_order(events: list[Event], data: st.DataObject) -> None:
    replica = Replica()
    for event in events:
        replica.apply(event)
    want_habits, want_checkins = expected_view(replica)
    fields = {hid: state["fields"] for hid, state in replica.visible().items()}
    with fresh_stores(2) as (one_by_one, batched):
        seen: set[str] = set()
        for event in shuffled_with_duplicates(events, data):
            assert one_by_one.apply(event) is (event.event_id not in seen)
            seen.add(event.event_id)
        with batched.write():  # a pulled page is applied in one transaction
            for event in shuffled_with_duplicates(events, data):
                batched.apply(event)
        for store in (one_by_one, batched):
            got_habits, got_checkins = store_view(store)
            same_habits(got_habits, want_habits, fields)
            assert got_checkins == want_checkins
            # every event is kept, known or not, to be passed on
            assert {e.event_id for e in store.events()} == {e.event_id for e in events}


@settings(max_examples=30, deadline=None)
@given(events=event_sets())
def test_a_store_rebuilt_from_another_stores_events_is_identical(events: list[Event]) -> None:
    with fresh_stores(2) as (source, copy):
        for event in events:
            source.apply(event)
        for event in source.events():
            copy.apply(event)
        assert store_view(copy) == store_view(source)


# ----- the clock and local edits ---------------------------------------------------------------

HID = HABITS[0]


def remote(n: int, hlc: int, kind: str, **payload: Any) -> Event:
    return Event(f"0190a0b1-0000-7000-8000-{n:012x}", DEVICES[1], n, hlc, kind, {"habit_id": HID, **payload})


def test_a_local_edit_after_sync_wins_over_a_remote_clock_running_ahead(tmp_path: Path) -> None:
    ahead = hlc_from_ms(now_ms() + 3_600_000)  # the other device's clock is an hour fast
    store = Store.open(tmp_path / "x.db")
    try:
        store.apply(remote(1, ahead, "habit.create", name="Read"))
        store.apply(remote(2, ahead, "checkin.set", date="2024-03-01", value=1))
        local = store.record("habit.update", {"habit_id": HID, "name": "Read more"})
        store.record("checkin.clear", {"habit_id": HID, "date": "2024-03-01"})
        assert local.hlc > ahead
        assert [h.name for h in store.habits()] == ["Read more"]
        assert store.checkins(HID) == []
    finally:
        store.close()


def test_duplicate_delivery_changes_nothing(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "x.db")
    try:
        create = remote(1, 10, "habit.create", name="Read")
        done = remote(2, 11, "checkin.set", date="2024-03-01", value=1)
        undo = remote(3, 12, "checkin.clear", date="2024-03-01")
        assert store.apply(create)
        assert store.apply(done)
        assert store.apply(undo)
        assert not store.apply(done)  # redelivered after the undo: still undone
        assert store.checkins(HID) == []
        assert len(store.events()) == 3
    finally:
        store.close()


def test_deleted_habit_stays_deleted_with_its_check_ins(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "x.db")
    try:
        store.apply(remote(1, 10, "habit.create", name="Read"))
        store.apply(remote(2, 11, "checkin.set", date="2024-03-01", value=1))
        store.apply(remote(3, 12, "habit.delete"))
        store.apply(remote(4, 13, "habit.update", name="Back?"))
        store.apply(remote(5, 14, "checkin.set", date="2024-03-02", value=1))
        assert store.habits(include_archived=True) == []
        assert store.habit(HID) is None
        assert store.all_checkins() == {}
    finally:
        store.close()


def test_local_edits_go_to_the_outbox_in_order(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "x.db")
    try:
        first = store.record("habit.create", {"habit_id": HID, "name": "Read"})
        second = store.record("checkin.set", {"habit_id": HID, "date": "2024-03-01", "value": 1})
        store.apply(remote(1, 5, "checkin.set", date="2024-03-02", skip=True))
        outbox = store.outbox()
        assert [e.event_id for e in outbox] == [first.event_id, second.event_id]
        assert [e.device_seq for e in outbox] == [1, 2]
        assert {e.device_id for e in outbox} == {store.device_id}
        assert first.hlc < second.hlc
    finally:
        store.close()


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("habit.reorder", {"habit_id": HID, "position": 9}),
        ("checkin.set", {"habit_id": HID, "date": "2024-W09-5", "value": 1}),
        ("checkin.set", {"habit_id": HID, "date": "2024-03-01", "value": -1}),
    ],
)
def test_unknown_or_malformed_events_are_kept_but_not_applied(
    tmp_path: Path, kind: str, payload: dict[str, Any]
) -> None:
    store = Store.open(tmp_path / "x.db")
    try:
        store.apply(remote(1, 10, "habit.create", name="Read"))
        stray = Event("0190a0b1-0000-7000-8000-0000000000ff", DEVICES[2], 1, 11, kind, payload)
        assert store.apply(stray)
        assert stray in store.events()
        assert store.checkins(HID) == []
        assert store.day_rows() == {}
    finally:
        store.close()


def test_check_ins_of_a_habit_not_created_yet_are_not_listed(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "x.db")
    try:
        store.apply(remote(1, 10, "checkin.set", date="2024-03-01", value=1))
        assert store.habits(include_archived=True) == []
        assert store.all_checkins() == {}
        assert store.day_rows() == {}
    finally:
        store.close()
