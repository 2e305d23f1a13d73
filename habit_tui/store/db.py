"""Opening the local SQLite database and turning its failures into user-facing errors."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from habit_tui.errors import StoreError
from habit_tui.store.migrations import LATEST, MIGRATIONS, current_version, migrate


def explain(exc: sqlite3.Error, path: Path) -> StoreError:
    """One clear sentence for a SQLite failure."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreError(f"the database {path} is locked by another program; try again in a moment")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"the database {path} is read-only; cannot save changes")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError(f"{path} is damaged or not a habit database")
    if "unable to open" in text:
        return StoreError(f"cannot open the database {path} (check the directory exists and is writable)")
    if "disk" in text and ("full" in text or "i/o" in text):
        return StoreError(f"cannot write {path}: {exc}")
    return StoreError(f"database error in {path}: {exc}")


def connect(path: Path, lock_timeout: float) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the database at ``path``; a writer waits ``lock_timeout`` s."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data directory {path.parent}: {exc.strerror}") from None
    try:
        conn = sqlite3.connect(path, timeout=lock_timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise explain(exc, path) from None
    try:
        _check_ours(conn, path)
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        if current_version(conn) < LATEST:
            migrate(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise explain(exc, path) from None
    except StoreError:
        conn.close()
        raise
    return conn


OUR_TABLES = frozenset({"schema_migrations", *re.findall(r"CREATE TABLE (\w+)", MIGRATIONS[0][1])})
"""Tables every habit database has (the first migration's and the migration log): how we know one."""


def _check_ours(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse, before anything is written, a database that is neither new (empty) nor ours.

    Another program's SQLite file named ``habit.db`` must not get our tables, a WAL journal or
    anything else: it is only read here.
    """
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables and not conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        return
    if tables >= OUR_TABLES:
        return
    raise StoreError(
        f"{path} is not a habit database: it holds another program's tables. "
        "Move it away, or set HABIT_HOME to another folder"
    )
