"""Event payload validation: malformed events are stored but never applied."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.events import Event, check_payload, effect_of
from sync_protocol.domain.fields import habit_from_fields, habit_to_fields
from sync_protocol.domain.habit import Habit, HabitKind, TargetType
from sync_protocol.domain.ids import is_uuid, uuid7
from sync_protocol.domain.schedule import Schedule

HID = "0190a0b0-0000-7000-8000-000000000001"


def checkin(**fields: Any) -> dict[str, Any]:
    return {"habit_id": HID, "date": "2024-03-01", "value": 1, **fields}


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("habit.create", {"habit_id": HID, "name": "Read"}),
        ("habit.create", {"habit_id": HID, "name": "Read", "schedule": "Mon, Wed", "target": 8, "kind": "measurable"}),
        ("habit.update", {"habit_id": HID, "archived": True}),
        ("habit.update", {"habit_id": HID, "a_field_from_a_newer_client": [1, 2]}),
        ("habit.archive", {"habit_id": HID}),
        ("habit.delete", {"habit_id": HID}),
        ("checkin.set", checkin()),
        ("checkin.set", checkin(value=0)),
        ("checkin.set", checkin(value=2.5, note="felt good")),
        ("checkin.set", {"habit_id": HID, "date": "2024-02-29", "skip": True}),
        ("checkin.clear", {"habit_id": HID, "date": "2024-03-01"}),
    ],
)
def test_well_formed_payloads_pass(kind: str, payload: dict[str, Any]) -> None:
    check_payload(kind, payload)


@pytest.mark.parametrize(
    "day",
    [
        "2024-13-01",
        "2024-02-30",
        "2024-W09-5",
        "20240301",
        "2024-3-1",
        "1969-12-31",
        "",
        20240301,
        None,
        "2024-03-01\n",
    ],
)
@pytest.mark.parametrize("kind", ["checkin.set", "checkin.clear"])
def test_bad_dates_are_rejected(kind: str, day: Any) -> None:
    with pytest.raises(DomainError, match=r"payload\.date must be a date YYYY-MM-DD"):
        check_payload(kind, checkin(date=day))


@pytest.mark.parametrize("value", [-1, -0.001, float("nan"), float("inf"), 1e10, True, "1", None])
def test_bad_values_are_rejected(value: Any) -> None:
    with pytest.raises(DomainError, match=r"payload\.value"):
        check_payload("checkin.set", checkin(value=value))


def test_skip_and_note_are_checked() -> None:
    with pytest.raises(DomainError, match=r"payload\.skip"):
        check_payload("checkin.set", checkin(skip="yes"))
    with pytest.raises(DomainError, match=r"payload\.note"):
        check_payload("checkin.set", checkin(note="x" * 1001))
    with pytest.raises(DomainError, match=r"payload\.note"):
        check_payload("checkin.set", checkin(note=None))


@pytest.mark.parametrize(
    "habit_id",
    [
        "abc",
        "",
        123,
        None,
        "urn:01900000000070008000000000000001",
        "01900000000070008000000000000001----",
        "{0190a0b0-0000-7000-8000-00000000001}",
        "0190a0b0-0000-7000-8000-00000000000g",
        HID + "\n",
    ],
)
@pytest.mark.parametrize("kind", ["habit.create", "habit.update", "habit.archive", "habit.delete", "checkin.set"])
def test_habit_ids_must_be_uuids(kind: str, habit_id: Any) -> None:
    with pytest.raises(DomainError, match=r"payload\.habit_id must be a UUID"):
        check_payload(kind, {**checkin(), "name": "Read", "habit_id": habit_id})


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("habit.create", {"habit_id": HID}, "needs a name"),
        ("habit.create", {"habit_id": HID, "name": "  "}, "cannot be empty"),
        ("habit.create", {"habit_id": HID, "name": "Read", "schedule": "fortnightly"}, "bad schedule"),
        ("habit.update", {"habit_id": HID, "target": -1}, "target"),
        ("habit.update", {"habit_id": HID, "kind": "counter"}, "kind"),
        ("habit.update", {"habit_id": HID, "start_date": "2024-W09-5"}, "start_date"),
        ("habit.update", {"habit_id": HID, "tags": "a,b"}, "tags"),
        ("habit.update", {"habit_id": HID, "archived": "yes"}, "archived"),
        ("habit.archive", {"habit_id": HID, "archived": 1}, "archived"),
    ],
)
def test_bad_habit_fields_are_rejected(kind: str, payload: dict[str, Any], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        check_payload(kind, payload)


@pytest.mark.parametrize("payload", [{}, {"habit_id": "nope"}, {"anything": [1, {"x": None}]}])
def test_unknown_kinds_pass_unchecked(payload: dict[str, Any]) -> None:
    check_payload("habit.reorder", payload)
    check_payload("checkin.bulk_set", payload)


def test_malformed_events_have_no_effect() -> None:
    event = Event(uuid7(), "device", 1, 1, "checkin.set", checkin(value=-3))
    assert effect_of(event) is None
    assert effect_of(Event(uuid7(), "device", 2, 2, "future.kind", {"habit_id": HID})) is None


def test_uuid7_ids_are_uuids_in_time_order() -> None:
    first, second = uuid7(1_700_000_000_000), uuid7(1_700_000_000_001)
    assert is_uuid(first)
    assert first[14] == "7"  # version
    assert first[19] in "89ab"  # RFC 9562 variant
    assert first < second


def test_habit_survives_the_field_codec() -> None:
    habit = Habit(
        id=HID,
        name="Water",
        schedule=Schedule.parse("3/week"),
        start_date=date(2024, 1, 5),
        kind=HabitKind.MEASURABLE,
        description="glasses",
        unit="glasses",
        target=8.0,
        target_type=TargetType.AT_MOST,
        tags=("health", "home"),
        color="#00ff00",
        position=4,
        archived=True,
    )
    fields = habit_to_fields(habit)
    check_payload("habit.create", {"habit_id": HID, **fields})
    assert habit_from_fields(HID, fields, date(2000, 1, 1)) == habit


def test_missing_or_invalid_stored_fields_fall_back_to_defaults() -> None:
    habit = habit_from_fields(HID, {"name": "Read", "schedule": "fortnightly", "target": "lots"}, date(2024, 2, 2))
    assert str(habit.schedule) == "daily"
    assert habit.target == 1.0
    assert habit.start_date == date(2024, 2, 2)


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("checkin.set", {"habit_id": HID, "date": "2024-03-01", "value": 10**400}),
        ("habit.update", {"habit_id": HID, "target": 10**400}),
        ("habit.update", {"habit_id": HID, "position": 10**400}),
    ],
)
def test_numbers_beyond_any_float_are_malformed_not_a_crash(kind: str, payload: dict[str, Any]) -> None:
    with pytest.raises(DomainError):
        check_payload(kind, payload)
