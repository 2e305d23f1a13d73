"""The per-user event log: one contract (``base``), two backends (``core``, ``pg``), chosen once at start-up."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from habit_server.db.eventlog.base import EventLog


def open_event_log(engine: AsyncEngine) -> EventLog:
    """The event log of ``engine``'s database: raw asyncpg on PostgreSQL, SQLAlchemy Core elsewhere."""
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "asyncpg":
        from habit_server.db.eventlog.pg import PgEventLog

        return PgEventLog(engine)
    from habit_server.db.eventlog.core import CoreEventLog

    return CoreEventLog(engine)
