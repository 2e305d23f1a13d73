"""Versioned schema migrations, applied in order and recorded in ``schema_migrations``."""

from __future__ import annotations

import sqlite3
import time

from sync_protocol.domain.ids import uuid7

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE events (
            event_id   TEXT PRIMARY KEY,
            device_id  TEXT NOT NULL,
            device_seq INTEGER NOT NULL,
            hlc        INTEGER NOT NULL,
            kind       TEXT NOT NULL,
            schema     INTEGER NOT NULL,
            payload    TEXT NOT NULL,
            local      INTEGER NOT NULL,
            pushed     INTEGER NOT NULL DEFAULT 0,
            server_seq INTEGER,
            UNIQUE (device_id, device_seq)
        );
        CREATE INDEX events_outbox ON events (device_seq) WHERE local = 1 AND pushed = 0;
        CREATE TABLE habits (
            id          TEXT PRIMARY KEY,
            name        TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            kind        TEXT NOT NULL DEFAULT 'yes_no',
            unit        TEXT NOT NULL DEFAULT '',
            target      REAL NOT NULL DEFAULT 1,
            target_type TEXT NOT NULL DEFAULT 'at_least',
            schedule    TEXT NOT NULL DEFAULT 'daily',
            tags        TEXT NOT NULL DEFAULT '[]',
            color       TEXT NOT NULL DEFAULT '',
            position    INTEGER NOT NULL DEFAULT 0,
            archived    INTEGER NOT NULL DEFAULT 0,
            start_date  TEXT NOT NULL DEFAULT '',
            created     INTEGER NOT NULL DEFAULT 0,
            deleted     INTEGER NOT NULL DEFAULT 0,
            stamps      TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE checkins (
            habit_id  TEXT NOT NULL,
            date      TEXT NOT NULL,
            day       INTEGER NOT NULL,
            value     REAL,
            skipped   INTEGER NOT NULL DEFAULT 0,
            note      TEXT NOT NULL DEFAULT '',
            cleared   INTEGER NOT NULL DEFAULT 0,
            hlc       INTEGER NOT NULL,
            device_id TEXT NOT NULL,
            event_id  TEXT NOT NULL,
            PRIMARY KEY (habit_id, date)
        ) WITHOUT ROWID;
        """,
    ),
]

MIGRATIONS.append(
    (
        2,
        """
        CREATE TABLE stats_cache (
            habit_id TEXT PRIMARY KEY,
            day      INTEGER NOT NULL,
            version  INTEGER NOT NULL,
            data     TEXT NOT NULL
        );
        """,
    )
)

MIGRATIONS.append(
    (
        3,
        # Milestones announced on this device (``Milestone.key``), so undoing and redoing a
        # check-in does not announce one again. Local: never synced, never exported.
        """
        CREATE TABLE announced (
            habit_id TEXT NOT NULL,
            kind     TEXT NOT NULL,
            length   INTEGER NOT NULL,
            since    TEXT NOT NULL,
            PRIMARY KEY (habit_id, kind, length, since)
        ) WITHOUT ROWID;
        """,
    )
)

LATEST = MIGRATIONS[-1][0]


def current_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").fetchone()
    if row is None:
        return 0
    (version,) = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
    return int(version)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema to the latest version; each migration is one transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)"
        )
        have = current_version(conn)
        for version, sql in MIGRATIONS:
            if version <= have:
                continue
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, time.time()))
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('device_id', ?)", (uuid7(),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]
