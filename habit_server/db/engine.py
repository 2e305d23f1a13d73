"""Async engines for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 10, pool_timeout: float = 30.0) -> AsyncEngine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            create_private(Path(database).expanduser())
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # No overflow: connections above the pool would be opened and closed per request (a new
    # PostgreSQL backend each time); requests beyond the pool wait for a connection instead.
    # Generic plans: every statement here is prepared once per connection and looks rows up by the
    # user's key, where a plan made for the parameters is no better; without this PostgreSQL plans the
    # push's read anew on every execution (a third of the database's time per push, measured).
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        connect_args={"server_settings": {"plan_cache_mode": "force_generic_plan"}},
    )


def create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600; SQLite gives its -wal and -shm files
    the same mode), and its directory 0700 if this makes it. An existing file keeps its mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


DATABASE_ERRORS: tuple[type[Exception], ...] = (
    DBAPIError,
    asyncpg.exceptions.PostgresError,
    asyncpg.exceptions.InterfaceError,
    OSError,
)
"""The exception types that may mean "database unavailable"; :func:`database_unavailable` decides."""

_UNAVAILABLE_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown: pg_ctl stop/restart -m fast terminated the backend
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now: the database system is starting up / shutting down
        "53300",  # too_many_connections
    }
)
_UNAVAILABLE_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE, errno.ETIMEDOUT, errno.EHOSTUNREACH}
    | {errno.ENETUNREACH, errno.ENETDOWN}
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached right now (restarting, stopped, network
    cut, out of connections) rather than a fault of the request or of the server's code.

    The one place that decides it: the HTTP layer answers 503 + ``Retry-After`` for it, and the
    event log retries once on a fresh connection. It looks through SQLAlchemy's wrapping
    (``DBAPIError.orig``, whose own ``__cause__`` is asyncpg's exception) and exception chains.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen or len(seen) > 20:
            continue
        seen.add(id(current))
        if _unavailable_here(current):
            return True
        if isinstance(current, DBAPIError):
            pending.append(current.orig)
        pending += [current.__cause__, current.__context__]
    return False


def _unavailable_here(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, asyncpg.exceptions.PostgresConnectionError):  # class 08: connection exception
        return True
    if isinstance(exc, asyncpg.exceptions.InterfaceError):  # "connection is closed", "connection was closed"
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate in _UNAVAILABLE_SQLSTATES | {"08000", "08003", "08006"}:
        return True
    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror):
        return True
    if isinstance(exc, sqlite3.OperationalError) and "database is locked" in str(exc):
        return True
    if isinstance(exc, OSError):
        # asyncio joins the refusals of several addresses (localhost: ::1 and 127.0.0.1) into one OSError.
        return exc.errno in _UNAVAILABLE_ERRNOS or (
            str(exc).startswith("Multiple exceptions:") and "Connect call failed" in str(exc)
        )
    return False
