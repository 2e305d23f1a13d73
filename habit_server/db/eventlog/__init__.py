"""The per-user event log: one contract (``base``), two backends (``core``, ``pg``), chosen once at start-up."""

from __future__ import annotations

from habit_server.db.connections import Connections
from habit_server.db.eventlog.base import EventLog


def open_event_log(db: Connections) -> EventLog:
    """The event log of ``db``'s database: raw asyncpg on PostgreSQL, SQLAlchemy Core elsewhere."""
    dialect = db.engine.dialect
    if dialect.name == "postgresql" and dialect.driver == "asyncpg":
        from habit_server.db.eventlog.pg import PgEventLog

        return PgEventLog(db)
    from habit_server.db.eventlog.core import CoreEventLog

    return CoreEventLog(db)
