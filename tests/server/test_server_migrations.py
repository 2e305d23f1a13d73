"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from habit_server.db.engine import make_engine
from habit_server.db.migrate import current_revision, head_revision
from habit_server.db.models import Base
from tests.server.conftest import SettingsFactory


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
