"""The stack floor: bare FastAPI and one asyncpg INSERT per request, nothing else.

``bench/server_ratio.py`` serves it with the same worker supervisor as ``habit-server --workers N``
and drives it with the same load client as the server, so a server figure divided by this one is
what our code costs above the stack (uvicorn, FastAPI, pydantic, asyncpg, PostgreSQL).

The database is ``FLOOR_DATABASE_URL`` (a libpq URL); the app creates its one table on start (the
workers one at a time).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request

URL_ENV = "FLOOR_DATABASE_URL"
TABLE = "CREATE TABLE IF NOT EXISTS floor_events (id bigserial PRIMARY KEY, payload text NOT NULL)"


def app_from_env() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(os.environ[URL_ENV], min_size=1, max_size=20)
        async with pool.acquire() as conn, conn.transaction():
            # Every worker starts at once: two concurrent CREATE TABLE IF NOT EXISTS can both miss
            # the table and one fail (a duplicate pg_type row), which stopped the floor at start.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('floor_events'))")
            await conn.execute(TABLE)
        app.state.pool = pool
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/floor")
    async def floor(request: Request, body: dict[str, Any]) -> dict[str, bool]:
        async with request.app.state.pool.acquire() as conn:
            await conn.execute("INSERT INTO floor_events (payload) VALUES ($1)", str(body))
        return {"ok": True}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    return app
