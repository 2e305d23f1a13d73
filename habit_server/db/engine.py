"""Async engines for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger("habit_server.db")
T = TypeVar("T")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 10, pool_timeout: float = 30.0) -> AsyncEngine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No overflow: connections above the pool would be opened and closed per request (a new
    # PostgreSQL backend each time); requests beyond the pool wait for a connection instead.
    return create_async_engine(url, pool_size=pool_size, max_overflow=0, pool_timeout=pool_timeout)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


CONNECTION_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InterfaceError,
    ConnectionError,
    TimeoutError,
)
"""A lost PostgreSQL connection (server restarted, backend terminated, network cut), as asyncpg reports it."""


def is_disconnect(exc: BaseException) -> bool:
    return isinstance(exc, CONNECTION_ERRORS)


async def on_raw(engine: AsyncEngine, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``work`` on a pooled connection's raw asyncpg connection.

    The pool does not ping connections before use (a round trip per request), and work done on
    the raw connection is invisible to SQLAlchemy's disconnect detection; so when the connection
    turns out to be dead (PostgreSQL restarted: then every pooled one is), the pool is emptied and
    ``work`` runs once more on a fresh connection. ``work`` must be safe to repeat (a push is:
    events are idempotent by id).
    """
    for attempt in (1, 2):
        async with engine.connect() as conn:
            raw: Any = (await conn.get_raw_connection()).driver_connection
            try:
                return await work(raw)
            except Exception as exc:
                if attempt == 2 or not (is_disconnect(exc) or raw.is_closed()):
                    raise
                log.warning("database connection lost (%s); retrying on a new one", type(exc).__name__)
                await conn.invalidate()
                await engine.dispose()
    raise AssertionError("unreachable")
