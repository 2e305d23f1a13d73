"""Which calendar day a check-in belongs to: the day_starts_at offset and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.domain.checkin import local_day, parse_day_start
from sync_protocol.domain.errors import DomainError

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
FOUR = time(4, 0)


@pytest.mark.parametrize(
    ("wall", "starts_at", "expected"),
    [
        (datetime(2024, 5, 10, 1, 30), FOUR, date(2024, 5, 9)),
        (datetime(2024, 5, 10, 3, 59), FOUR, date(2024, 5, 9)),
        (datetime(2024, 5, 10, 4, 0), FOUR, date(2024, 5, 10)),
        (datetime(2024, 5, 10, 23, 59), FOUR, date(2024, 5, 10)),
        (datetime(2024, 5, 10, 0, 0), time(0, 0), date(2024, 5, 10)),
        (datetime(2024, 5, 10, 23, 59, 59), time(0, 0), date(2024, 5, 10)),
        (datetime(2024, 3, 1, 2, 0), time(2, 30), date(2024, 2, 29)),
        (datetime(2025, 1, 1, 0, 15), time(0, 30), date(2024, 12, 31)),
    ],
)
def test_day_starts_at_moves_small_hours_to_the_day_before(wall: datetime, starts_at: time, expected: date) -> None:
    assert local_day(wall, starts_at) == expected


def test_default_day_starts_at_midnight() -> None:
    assert local_day(datetime(2024, 5, 10, 0, 0, 1)) == date(2024, 5, 10)
    assert local_day(datetime(2024, 5, 9, 23, 59, 59)) == date(2024, 5, 9)


@pytest.mark.parametrize(
    ("utc", "zone", "expected"),
    [
        # Berlin springs forward at 02:00 -> 03:00 on 2024-03-31
        (datetime(2024, 3, 31, 1, 30, tzinfo=UTC), BERLIN, date(2024, 3, 30)),  # 03:30 CEST
        (datetime(2024, 3, 31, 2, 0, tzinfo=UTC), BERLIN, date(2024, 3, 31)),  # 04:00 CEST
        (datetime(2024, 3, 31, 2, 30, tzinfo=UTC), BERLIN, date(2024, 3, 31)),  # 04:30 CEST
        # Berlin falls back at 03:00 -> 02:00 on 2024-10-27: 02:30 happens twice
        (datetime(2024, 10, 27, 0, 30, tzinfo=UTC), BERLIN, date(2024, 10, 26)),  # 02:30 CEST
        (datetime(2024, 10, 27, 1, 30, tzinfo=UTC), BERLIN, date(2024, 10, 26)),  # 02:30 CET
        (datetime(2024, 10, 27, 2, 30, tzinfo=UTC), BERLIN, date(2024, 10, 26)),  # 03:30 CET
        (datetime(2024, 10, 27, 3, 0, tzinfo=UTC), BERLIN, date(2024, 10, 27)),  # 04:00 CET
        # New York springs forward at 02:00 -> 03:00 on 2024-03-10
        (datetime(2024, 3, 10, 7, 15, tzinfo=UTC), NEW_YORK, date(2024, 3, 9)),  # 03:15 EDT
        (datetime(2024, 3, 10, 8, 30, tzinfo=UTC), NEW_YORK, date(2024, 3, 10)),  # 04:30 EDT
        # New York falls back at 02:00 -> 01:00 on 2024-11-03
        (datetime(2024, 11, 3, 5, 30, tzinfo=UTC), NEW_YORK, date(2024, 11, 2)),  # 01:30 EDT
        (datetime(2024, 11, 3, 6, 30, tzinfo=UTC), NEW_YORK, date(2024, 11, 2)),  # 01:30 EST
        (datetime(2024, 11, 3, 8, 30, tzinfo=UTC), NEW_YORK, date(2024, 11, 2)),  # 03:30 EST
        (datetime(2024, 11, 3, 9, 0, tzinfo=UTC), NEW_YORK, date(2024, 11, 3)),  # 04:00 EST
    ],
)
def test_dst_changes_do_not_move_check_ins_to_another_day(utc: datetime, zone: ZoneInfo, expected: date) -> None:
    """The day begins at 04:00 on the wall clock, however many real hours the night had."""
    assert local_day(utc.astimezone(zone), FOUR) == expected


TRANSITIONS = [
    (BERLIN, datetime(2024, 3, 31, 1, 0, tzinfo=UTC)),
    (BERLIN, datetime(2024, 10, 27, 1, 0, tzinfo=UTC)),
    (NEW_YORK, datetime(2024, 3, 10, 7, 0, tzinfo=UTC)),
    (NEW_YORK, datetime(2024, 11, 3, 6, 0, tzinfo=UTC)),
]


@settings(max_examples=100, deadline=None)
@given(
    transition=st.sampled_from(TRANSITIONS),
    minutes=st.integers(-36 * 60, 36 * 60),
    starts_at=st.sampled_from([time(0, 0), time(1, 30), time(3, 0), time(4, 0), time(11, 59)]),
)
def test_the_day_follows_the_wall_clock_around_dst(
    transition: tuple[ZoneInfo, datetime], minutes: int, starts_at: time
) -> None:
    zone, instant = transition
    wall = (instant + timedelta(minutes=minutes)).astimezone(zone)
    expected = wall.date() if wall.time() >= starts_at else wall.date() - timedelta(days=1)
    assert local_day(wall, starts_at) == expected
    # the same wall-clock reading without a zone gives the same day
    assert local_day(wall.replace(tzinfo=None), starts_at) == expected


@pytest.mark.parametrize(("text", "value"), [("04:00", time(4, 0)), (" 4:30 ", time(4, 30)), ("00:00", time(0, 0))])
def test_day_start_setting_is_read(text: str, value: time) -> None:
    assert parse_day_start(text) == value


@pytest.mark.parametrize("text", ["12:00", "25:00", "4", "four", "04:60", ""])
def test_bad_day_start_setting_is_explained(text: str) -> None:
    with pytest.raises(DomainError, match="HH:MM between 00:00 and 11:59"):
        parse_day_start(text)
