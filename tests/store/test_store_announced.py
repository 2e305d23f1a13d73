"""Milestones announced on this device are recorded, so each is announced once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from habit_tui.store.migrations import LATEST, MIGRATIONS, current_version
from habit_tui.store.repository import Store


def test_announcing_twice_is_refused(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "habit.db")
    key = ("streak", 7, "2026-11-18")
    assert store.announce("h1", key)
    assert not store.announce("h1", key)
    assert store.announce("h2", key)  # per habit
    assert store.announce("h1", ("streak", 7, "2026-12-01"))  # a later run reaching 7 is a new milestone
    store.close()


def test_a_database_of_the_previous_version_gains_the_table(tmp_path: Path) -> None:
    path = tmp_path / "habit.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)")
    for version, sql in MIGRATIONS[:-1]:
        for statement in (s for s in sql.split(";") if s.strip()):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, 0)", (version,))
    conn.close()
    store = Store.open(path)
    assert current_version(store.conn) == LATEST
    assert store.announce("h1", ("first_checkin", 0, ""))
    store.close()
