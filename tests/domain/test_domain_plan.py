"""The merge planner: what a store writes, given what it holds and some new events."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.domain.events import Event
from sync_protocol.domain.fields import HABIT_FIELDS
from sync_protocol.domain.merge import Plan, Snapshot, StoredHabit, effects, needs, plan, stamps_from_column
from tests.merge_events import DEVICES, HABITS, event_sets

H = HABITS[0]
A = DEVICES[0]
EMPTY = Snapshot({}, {})


def ev(n: int, hlc: int, kind: str, **payload: Any) -> Event:
    return Event(f"0190a0b1-0000-7000-8000-{n:012x}", A, n, hlc, kind, {"habit_id": H, **payload})


def test_a_new_habit_row_holds_every_field_as_stored() -> None:
    p = plan(effects([ev(1, 5, "habit.create", name=" Read ", tags=["Mind"], archived=True)]), EMPTY)
    [row] = p.habits
    assert row.insert and row.created and not row.deleted
    assert set(row.columns) == set(HABIT_FIELDS)
    assert row.columns["name"] == "Read"
    assert row.columns["tags"] == '["mind"]'
    assert row.columns["archived"] is True
    assert set(stamps_from_column(row.stamps)) == {"name", "tags", "archived"}


def test_a_losing_edit_writes_nothing_and_a_winning_one_only_its_fields() -> None:
    stored = Snapshot({H: StoredHabit(True, False, {"name": (10, A, "z")})}, {})
    assert plan(effects([ev(2, 9, "habit.update", name="Old")]), stored).habits == []
    [row] = plan(effects([ev(3, 11, "habit.update", name="New", unit="pages")]), stored).habits
    assert not row.insert
    assert row.columns == {"name": "New", "unit": "pages"}


def test_a_delete_is_final_and_purges_the_check_ins() -> None:
    p = plan(effects([ev(1, 5, "checkin.set", date="2024-03-01", value=1), ev(2, 6, "habit.delete")]), EMPTY)
    assert p.purge == [H]
    assert p.checkins == []
    gone = Snapshot({H: StoredHabit(True, True, {})}, {})
    assert plan(effects([ev(3, 99, "habit.update", name="Back")]), gone) == Plan([], [], [], [H])


def test_check_in_slots_know_whether_a_row_exists() -> None:
    stored = Snapshot({H: StoredHabit(True, False, {})}, {(H, "2024-03-01"): (4, A, "a")})
    p = plan(
        effects([ev(1, 5, "checkin.set", date="2024-03-01", value=1), ev(2, 5, "checkin.clear", date="2024-03-02")]),
        stored,
    )
    assert [(w.date, w.insert, w.slot.cleared) for w in p.checkins] == [
        ("2024-03-01", False, False),
        ("2024-03-02", True, True),
    ]


@settings(max_examples=60, deadline=None)
@given(events=event_sets(), split=st.integers(0, 25))
def test_planning_in_two_steps_equals_planning_at_once(events: list[Event], split: int) -> None:
    """A store that applies a batch, then another, holds what one applying both at once holds."""
    effs = effects(events)
    assert needs(effs).habit_ids == sorted({e.habit_id for _, e in effs})
    whole = _apply(EMPTY, plan(effs, EMPTY))
    first = _apply(EMPTY, plan(effs[:split], EMPTY))
    assert _apply(first, plan(effs[split:], first)) == whole


def _apply(snap: Snapshot, p: Plan) -> Snapshot:
    """What a store holds after writing ``p``: the merge state a next plan reads."""
    habits = dict(snap.habits)
    for w in p.habits:
        habits[w.habit_id] = StoredHabit(w.created, w.deleted, stamps_from_column(w.stamps))
    checkins = {k: v for k, v in snap.checkins.items() if k[0] not in p.purge}
    for c in p.checkins:
        checkins[(c.habit_id, c.date)] = c.stamp
    return Snapshot(habits, checkins)
