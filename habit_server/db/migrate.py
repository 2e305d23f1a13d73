"""Run the Alembic migrations programmatically (``habit-server migrate``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from habit_server.db.engine import make_engine

T = TypeVar("T")
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database to ``revision``. Call it outside a running event loop."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database back to ``revision`` (``base``: no tables). Call it outside a running event loop."""
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
