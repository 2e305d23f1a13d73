"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, make_url

from habit_server.db.engine import make_engine
from habit_server.db.migrate import current_revision, downgrade, head_revision, on_connection, upgrade
from habit_server.db.models import Base
from tests.server.conftest import RUN_ID, SettingsFactory, _admin


def _diff(conn: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata))


async def test_migrated_database_matches_the_models(settings_for: SettingsFactory) -> None:
    url = settings_for().database_url
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


def test_database_is_at_the_head_revision(pg_url: str, sqlite_template: object) -> None:
    assert head_revision() is not None
    assert current_revision(pg_url) == head_revision()


def _tables(url: str) -> set[str]:
    return on_connection(url, lambda c: set(inspect(c).get_table_names()))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migrations_go_down_to_nothing_and_up_again(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url, drop = f"sqlite+aiosqlite:///{tmp_path / 'down.db'}", None
    else:
        server = request.getfixturevalue("pg_server_url")
        name = f"habit_test_{RUN_ID}_down_{secrets.token_hex(3)}"
        asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
        url = make_url(server).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
        drop = (server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    try:
        upgrade(url)
        assert {"users", "devices", "events", "habits", "checkins"} <= _tables(url)
        downgrade(url, "base")
        assert _tables(url) <= {"alembic_version"}
        assert current_revision(url) is None
        upgrade(url)
        assert current_revision(url) == head_revision()
        assert on_connection(url, _diff) == []
    finally:
        if drop is not None:
            asyncio.run(_admin(*drop))
