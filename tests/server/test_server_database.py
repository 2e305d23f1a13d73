"""The server keeps serving when PostgreSQL drops its connections (a restart, a failover)."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from sync_protocol.domain.ids import uuid7
from tests.server.conftest import make_settings, open_api
from tests.server.support import Device


async def _drop_connections(pg_url: str) -> int:
    """What a PostgreSQL restart does to the server's pooled connections: terminate them."""
    url = make_url(pg_url)
    admin = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        killed: int = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
        return killed
    finally:
        await admin.close()


async def test_pooled_connections_lost_under_the_server_are_replaced(pg_url: str) -> None:
    async for api in open_api(make_settings(database_url=pg_url), "postgres"):
        who = await api.account()
        dev, hid = Device(), uuid7()
        assert (await api.push(who, [dev.create(hid, "Before")])).status_code == 200
        assert (await api.client.get("/api/v1/habits", headers=who.headers)).status_code == 200

        assert await _drop_connections(pg_url) >= 1
        # The push path notices the dead connection, empties the pool and runs again (pushes are idempotent).
        r = await api.push(who, [dev.checkin(hid, "2026-03-01")])
        assert r.status_code == 200, r.text
        assert r.json()["results"][0]["status"] == "ok"

        assert await _drop_connections(pg_url) >= 1
        statuses = [(await api.client.get("/api/v1/habits", headers=who.headers)).status_code for _ in range(2)]
        # A REST read may meet the dead connection first: 503 with Retry-After, never a 500; then it is replaced.
        assert statuses in ([200, 200], [503, 200]), statuses
        assert (await api.client.get(f"/api/v1/habits/{hid}/checkins", headers=who.headers)).status_code == 200
        assert [e["kind"] for e in await api.pull_all(who)] == ["habit.create", "checkin.set"]


async def test_a_request_that_finds_no_free_connection_gets_503(pg_url: str) -> None:
    settings = make_settings(database_url=pg_url, db_pool_size=1, db_pool_timeout_seconds=0.3)
    async for api in open_api(settings, "postgres"):
        who = await api.account()
        async with api.rt.engine.connect():  # the only connection is busy
            r = await api.client.get("/api/v1/habits", headers=who.headers)
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "database_unavailable"
        assert r.headers["Retry-After"] == "1"
        assert (await api.client.get("/api/v1/habits", headers=who.headers)).status_code == 200
