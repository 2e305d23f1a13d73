"""The merge rule: replicas that saw the same events agree, whatever the order or duplication."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.domain.events import Event
from sync_protocol.domain.ids import hlc_observe, hlc_tick
from sync_protocol.domain.merge import Replica
from tests.merge_events import DEVICES, HABITS, event_sets, shuffled_with_duplicates


def replay(events: list[Event]) -> Replica:
    replica = Replica()
    for event in events:
        replica.apply(event)
    return replica


@settings(max_examples=100, deadline=None)
@given(events=event_sets(), data=st.data())
def test_replicas_converge_under_any_order_and_duplication(events: list[Event], data: st.DataObject) -> None:
    reference = replay(events).visible()
    assert replay(shuffled_with_duplicates(events, data, extra=8)).visible() == reference


@settings(max_examples=50, deadline=None)
@given(events=event_sets(), data=st.data())
def test_merging_two_replicas_equals_seeing_everything(events: list[Event], data: st.DataObject) -> None:
    """Two devices that each saw part of the history, then exchanged the rest, agree."""
    split = data.draw(st.integers(0, len(events)))
    left = replay(events[:split] + shuffled_with_duplicates(events, data, extra=8))
    right = replay(events[split:] + events[:split])
    assert left.visible() == right.visible() == replay(events).visible()


@settings(max_examples=50, deadline=None)
@given(events=event_sets())
def test_the_clock_passes_every_event_seen(events: list[Event]) -> None:
    replica = replay(events)
    assert replica.clock > max(e.hlc for e in events)


# ----- what the merged state means -------------------------------------------------------------

H = HABITS[0]
A, B = DEVICES[0], DEVICES[1]


def ev(n: int, device: str, hlc: int, kind: str, **payload: Any) -> Event:
    return Event(f"0190a0b1-0000-7000-8000-{n:012x}", device, n, hlc, kind, {"habit_id": H, **payload})


def test_later_edit_wins_each_field_and_concurrent_edits_to_different_fields_both_stay() -> None:
    events = [
        ev(1, A, 1, "habit.create", name="Read", schedule="daily"),
        ev(2, A, 5, "habit.update", name="Read books"),
        ev(3, B, 4, "habit.update", name="Reading", schedule="mon,wed"),
    ]
    state = replay(events[::-1]).visible()[H]["fields"]
    assert state["name"] == "Read books"
    assert state["schedule"] == "mon,wed"


def test_equal_clocks_are_decided_by_device_then_event_id() -> None:
    first = ev(1, A, 3, "habit.update", name="From A")
    second = ev(2, B, 3, "habit.update", name="From B")
    create = ev(3, A, 1, "habit.create", name="x")
    for order in ([create, first, second], [second, create, first]):
        assert replay(order).visible()[H]["fields"]["name"] == "From B"


def test_delete_is_final_even_against_later_edits() -> None:
    events = [
        ev(1, A, 1, "habit.create", name="Read"),
        ev(2, A, 2, "habit.delete"),
        ev(3, B, 9, "habit.update", name="Still here?"),
        ev(4, B, 10, "habit.create", name="Read again"),
    ]
    assert replay(events).visible() == {}
    assert replay(events[::-1]).visible() == {}


def test_check_in_slot_keeps_the_latest_set_or_clear() -> None:
    create = ev(1, A, 1, "habit.create", name="Read")
    done = ev(2, A, 2, "checkin.set", date="2024-03-01", value=1, note="tired")
    cleared = ev(3, B, 3, "checkin.clear", date="2024-03-01")
    skipped = ev(4, A, 4, "checkin.set", date="2024-03-01", skip=True)
    assert replay([create, done]).visible()[H]["checkins"] == {"2024-03-01": (1.0, False, "tired")}
    assert replay([create, cleared, done]).visible()[H]["checkins"] == {}
    assert replay([skipped, cleared, create, done]).visible()[H]["checkins"] == {"2024-03-01": (None, True, "")}


def test_archive_and_unarchive_follow_the_clock() -> None:
    create = ev(1, A, 1, "habit.create", name="Read")
    archive = ev(2, A, 2, "habit.archive")
    unarchive = ev(3, B, 3, "habit.archive", archived=False)
    assert replay([create, archive]).visible()[H]["fields"]["archived"] is True
    assert replay([unarchive, create, archive]).visible()[H]["fields"]["archived"] is False


def test_unknown_and_malformed_events_change_nothing() -> None:
    create = ev(1, A, 1, "habit.create", name="Read")
    before = replay([create]).visible()
    strays = [
        ev(2, A, 5, "habit.reorder", position=3),
        ev(3, A, 6, "checkin.set", date="2024-W09-5", value=1),
        ev(4, A, 7, "checkin.set", date="2024-03-01", value=-2),
        ev(5, A, 8, "habit.update", name=""),
        Event("0190a0b1-0000-7000-8000-000000000006", A, 6, 9, "habit.delete", {"habit_id": "not-a-uuid"}),
    ]
    assert replay([create, *strays]).visible() == before


def test_fields_are_stored_normalised() -> None:
    create = ev(1, A, 1, "habit.create", name="  Morning   run ", schedule="Mon, Wed", tags=["Health", "health"])
    fields = replay([create]).visible()[H]["fields"]
    assert fields == {"name": "Morning run", "schedule": "mon,wed", "tags": ["health"]}


def test_hybrid_clock_moves_forward() -> None:
    wall = 1_700_000_000_000
    stamp = hlc_tick(0, wall)
    assert stamp == wall << 16
    assert hlc_tick(stamp, wall) == stamp + 1  # same millisecond: the counter moves
    assert hlc_tick(stamp, wall - 5000) == stamp + 1  # a clock set back never goes backwards
    assert hlc_tick(stamp, wall + 1) == (wall + 1) << 16
    seen = (wall + 60_000) << 16
    assert hlc_observe(stamp, seen) == seen + 1
    assert hlc_observe(seen + 5, seen) == seen + 6
