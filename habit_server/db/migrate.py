"""Run the Alembic migrations programmatically (``habit-server migrate``)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from habit_server.db.engine import is_sqlite, make_engine

T = TypeVar("T")
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    return config


MIGRATION_LOCK = 0x6861626974  # "habit": the PostgreSQL advisory lock every migrating process takes


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database to ``revision``. Call it outside a running event loop.

    On PostgreSQL this holds an advisory lock meanwhile: replicas that start together migrate one
    after the other (the later ones find the schema current) instead of racing on the same tables."""
    with migration_lock(url):
        command.upgrade(alembic_config(url), revision)


@contextlib.contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """Hold :data:`MIGRATION_LOCK` on a connection of its own (a thread with its own event loop, since
    Alembic's environment runs one too). Nothing to do for SQLite, whose writers take turns anyway."""
    if is_sqlite(url):
        yield
        return
    locked, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    async def hold() -> None:
        engine = make_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
                locked.set()
                await asyncio.to_thread(release.wait)
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
        finally:
            await engine.dispose()

    def run() -> None:
        try:
            asyncio.run(hold())
        except BaseException as exc:  # handed to the caller's thread
            failure.append(exc)
        finally:
            locked.set()

    holder = threading.Thread(target=run, name="habit-migration-lock", daemon=True)
    holder.start()
    locked.wait()
    try:
        if failure:
            raise failure[0]
        yield
    finally:
        release.set()
        holder.join()


def downgrade(url: str, revision: str) -> None:
    """Take the database back to ``revision`` (``base``: no tables). Call it outside a running event loop."""
    with migration_lock(url):
        command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def on_connection(url: str, look: Callable[[Connection], T]) -> T:
    """Run ``look`` on a (synchronous-style) connection to ``url``, outside a running event loop."""

    async def run() -> T:
        engine = make_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(look)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def current_revision(url: str) -> str | None:
    return on_connection(url, _current)


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()
