"""``habit.db`` that belongs to another program is refused and left exactly as it was."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import Runner, assert_clean_error

ENV = {"HABIT_NOW": "2026-11-24T09:00:00"}


def _digest(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` (a journal or WAL file left behind shows too) and its bytes' hash."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("journal", ["delete", "wal"])
@pytest.mark.parametrize("args", [["list"], ["add", "Read"], ["today", "--json"]], ids=["list", "add", "today"])
def test_another_programs_sqlite_file_is_refused_untouched(
    habit: Runner, home: Path, journal: str, args: list[str]
) -> None:
    home.mkdir(parents=True)
    db = home / "habit.db"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA journal_mode = {journal}")
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('groceries')")
    conn.close()
    before = _digest(home)
    r = habit(*args, env=ENV)
    assert_clean_error(r)
    assert f"{db} is not a habit database" in r.err
    assert _digest(home) == before
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    conn.close()
    assert tables == ["notes"]


def test_a_database_whose_tables_only_look_like_ours_is_refused(habit: Runner, home: Path) -> None:
    """Another program's schema_migrations table (Rails writes one) is not our database."""
    home.mkdir(parents=True)
    db = home / "habit.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY)")
        conn.execute("INSERT INTO schema_migrations VALUES ('20240101000000')")
    conn.close()
    before = _digest(home)
    r = habit("list", env=ENV)
    assert_clean_error(r)
    assert "is not a habit database" in r.err
    assert _digest(home) == before


def test_an_empty_file_and_our_own_database_work(habit: Runner, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "habit.db").write_bytes(b"")
    assert habit("add", "Read", env=ENV).code == 0
    assert habit("done", "Read", env=ENV).code == 0
    r = habit("list", "--json", env=ENV)
    assert r.code == 0, r.err
    assert [(h["name"], h["done_today"]) for h in r.json()] == [("Read", True)]
