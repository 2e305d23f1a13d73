"""The raw SQL of the PostgreSQL event log names exactly the columns the tables have."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Table

from habit_server.db.eventlog.base import checkin_values, event_values, habit_values
from habit_server.db.eventlog.pg import STATEMENTS
from habit_server.db.models import CHECKINS, DEVICES, EVENTS, HABITS, USERS
from sync_protocol.domain.events import CheckinSlot, Event
from sync_protocol.domain.fields import HABIT_FIELD_TABLE
from sync_protocol.domain.merge import CheckinWrite, HabitWrite

TABLES: dict[str, Table] = {t.name: t for t in (USERS, DEVICES, EVENTS, HABITS, CHECKINS)}
ALIASES = {"u": USERS, "s": USERS, "d": DEVICES, "e": EVENTS, "h": HABITS, "c": CHECKINS}


def names(table: Table) -> list[str]:
    return [c.name for c in table.columns]


def split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",")]


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_every_insert_names_every_column_of_its_table_in_order(name: str) -> None:
    sql = STATEMENTS[name]
    for table, columns in re.findall(r"INSERT INTO (\w+) \(([^)]*)\)", sql):
        assert split(columns) == names(TABLES[table]), (name, table)


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_every_column_a_statement_reads_exists(name: str) -> None:
    sql = STATEMENTS[name]
    unnested: dict[str, set[str]] = {}  # unnest(...) AS t(a, b) or json_to_recordset(...) AS t(a int, b text)
    for alias, columns in re.findall(r"AS (\w)\(([^)]*)\)", sql):
        unnested.setdefault(alias, set()).update(part.split()[0] for part in split(columns))
    for alias, column in re.findall(r"\b([a-z])\.(\w+)\b", sql):
        known = unnested[alias] if alias in unnested else names(ALIASES[alias])
        assert column in known, (name, alias, column)
    for table, column in re.findall(r"\b(users|devices)\.(\w+)\b", sql):
        assert column in names(TABLES[table]), (name, table, column)


def test_the_upsert_of_a_checkin_sets_every_column_but_its_key() -> None:
    sql = STATEMENTS["WRITE_IF_HEAD"]
    key = re.search(r"ON CONFLICT \(([^)]*)\)", sql)
    sets = re.search(r"DO UPDATE SET (.*?) \)", sql)
    assert key is not None and sets is not None
    assert split(key.group(1)) == [c.name for c in CHECKINS.columns if c.primary_key]
    assigned = [part.split("=")[0].strip() for part in split(sets.group(1))]
    assert assigned == [c.name for c in CHECKINS.columns if not c.primary_key]
    for part in split(sets.group(1)):
        left, right = (side.strip() for side in part.split("="))
        assert right == f"excluded.{left}"


def test_the_rows_a_plan_writes_fill_every_column_but_the_ones_the_backend_adds() -> None:
    event = Event("0190a0b1-0000-7000-8000-000000000001", "dev", 1, 5, "habit.create", {"habit_id": "x"})
    assert set(event_values(event, 1)) == set(names(EVENTS)) - {"user_id", "received_at"}
    slot = CheckinSlot(1.0, False, "", cleared=False)
    write = CheckinWrite("h", "2026-01-01", slot, (5, "dev", event.event_id), insert=True)
    assert set(checkin_values(write)) == set(names(CHECKINS)) - {"user_id"}
    columns = {f.name: f.column_default for f in HABIT_FIELD_TABLE}
    habit = HabitWrite("h", insert=True, created=True, deleted=False, columns=columns, stamps="{}")
    assert set(habit_values(habit)) == set(names(HABITS)) - {"user_id", "id"}
