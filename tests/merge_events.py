"""Hypothesis strategies for event histories, shared by the merge tests of every replica."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import strategies as st

from sync_protocol.domain.events import Event

HABITS = [f"0190a0b0-0000-7000-8000-00000000000{i}" for i in range(1, 4)]
DEVICES = [
    "0190a0b0-0000-7000-8000-0000000000da",
    "0190a0b0-0000-7000-8000-0000000000db",
    "0190a0b0-0000-7000-8000-0000000000dc",
]
DATES = ["2024-03-01", "2024-03-02", "2024-03-03"]
KINDS = [
    *["habit.create"] * 3,
    *["habit.update", "habit.archive", "habit.delete"],
    *["checkin.set"] * 4,
    *["checkin.clear", "other"],
]
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "name": st.sampled_from(["Read", "Run", "Water", "  Stretch  "]),
    "description": st.sampled_from(["", "every morning"]),
    "schedule": st.sampled_from(["daily", "3/week", "Mon, Wed", "every 2 days"]),
    "kind": st.sampled_from(["yes_no", "measurable"]),
    "unit": st.sampled_from(["", "pages"]),
    "target": st.sampled_from([1, 2.5, 8]),
    "target_type": st.sampled_from(["at_least", "at_most"]),
    "archived": st.booleans(),
    "position": st.integers(0, 3),
    "tags": st.sampled_from([[], ["health"], ["Health", "mind"]]),
    "color": st.sampled_from(["", "green", "#00ff00"]),
    "start_date": st.sampled_from(["2024-01-01", "2024-02-15"]),
}


@st.composite
def kinds_and_payloads(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    hid = draw(st.sampled_from([HABITS[0], *HABITS]))
    kind = draw(st.sampled_from(KINDS))
    if kind in ("habit.create", "habit.update"):
        names = draw(st.sets(st.sampled_from(sorted(FIELD_VALUES)), min_size=1, max_size=5))
        fields = {name: draw(FIELD_VALUES[name]) for name in names}
        if kind == "habit.create":
            fields["name"] = draw(FIELD_VALUES["name"])
        return kind, {"habit_id": hid, **fields}
    if kind == "habit.archive":
        return kind, {"habit_id": hid, **draw(st.sampled_from([{}, {"archived": True}, {"archived": False}]))}
    if kind == "habit.delete":
        return kind, {"habit_id": hid}
    if kind == "checkin.set":
        payload: dict[str, Any] = {"habit_id": hid, "date": draw(st.sampled_from(DATES))}
        if draw(st.booleans()):
            payload["skip"] = True
        else:
            payload["value"] = draw(st.sampled_from([0, 1, 2.5, 7]))
        if draw(st.booleans()):
            payload["note"] = draw(st.sampled_from(["", "tired", "ünïcode ✓"]))
        return kind, payload
    if kind == "checkin.clear":
        return kind, {"habit_id": hid, "date": draw(st.sampled_from(DATES))}
    strays: list[tuple[str, dict[str, Any]]] = [
        ("habit.reorder", {"habit_id": hid, "position": 9}),
        ("future.thing", {}),
        ("checkin.set", {"habit_id": hid, "date": "2024-W09-5", "value": 1}),
        ("checkin.set", {"habit_id": hid, "date": "2024-03-01", "value": -1}),
        ("habit.update", {"habit_id": hid, "schedule": "fortnightly"}),
    ]
    stray: tuple[str, dict[str, Any]] = draw(st.sampled_from(strays))
    return stray


@st.composite
def event_sets(draw: st.DrawFn) -> list[Event]:
    """Events from 2-3 devices, each numbering its own gaplessly; clocks collide on purpose."""
    n_devices = draw(st.integers(2, 3))
    specs = draw(
        st.lists(
            st.tuples(st.integers(0, n_devices - 1), st.integers(1, 12), kinds_and_payloads()), min_size=1, max_size=25
        )
    )
    seq: Counter[int] = Counter()
    events = []
    for i, (device, hlc, (kind, payload)) in enumerate(specs):
        seq[device] += 1
        events.append(Event(f"0190a0b1-0000-7000-8000-{i:012x}", DEVICES[device], seq[device], hlc, kind, payload))
    return events


def shuffled_with_duplicates(events: list[Event], data: st.DataObject, extra: int = 6) -> list[Event]:
    """The events in a random order, some of them delivered more than once."""
    order = list(data.draw(st.permutations(events)))
    for again in data.draw(st.lists(st.sampled_from(events), max_size=extra)):
        order.insert(data.draw(st.integers(0, len(order))), again)
    return order
