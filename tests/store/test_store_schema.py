"""The client's habits table holds every field of the habit field table, as the table stores it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from habit_tui.store.repository import Store
from sync_protocol.domain.fields import HABIT_FIELD_TABLE

AFFINITY = {"text": "TEXT", "json": "TEXT", "real": "REAL", "integer": "INTEGER", "boolean": "INTEGER"}


def _default(raw: str) -> object:
    """A column default as SQLite reports it (``'daily'``, ``1``, ``'[]'``) as a value."""
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    return float(raw) if "." in raw else int(raw)


def test_habit_columns_follow_the_field_table(tmp_path: Path) -> None:
    Store.open(tmp_path / "habit.db").close()
    conn = sqlite3.connect(tmp_path / "habit.db")
    columns = {name: (kind, default) for _, name, kind, _, default, _ in conn.execute("PRAGMA table_info(habits)")}
    conn.close()
    for field in HABIT_FIELD_TABLE:
        kind, default = columns[field.name]
        assert kind == AFFINITY[field.storage], field.name
        stored = field.column_default
        if field.storage == "json":
            assert json.loads(str(_default(default))) == json.loads(stored), field.name
        else:
            assert _default(default) == stored, field.name
