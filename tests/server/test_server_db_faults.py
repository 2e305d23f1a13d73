"""A PostgreSQL restart and a stop under load: a real 2-worker server answers 2xx or 503 + Retry-After, never 500.

The test starts a private PostgreSQL of its own (``initdb`` + ``pg_ctl``, the binaries pgserver ships
or the machine's), so restarting it disturbs nobody else.
"""

from __future__ import annotations

import asyncio
import collections
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from habit_server.db.migrate import upgrade
from sync_protocol.domain.ids import uuid7
from tests.server.conftest import free_port
from tests.server.support import PASSWORD, Device
from tests.server.test_server_processes import server_env, server_output, serving

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

CLIENTS = 10


def _pg_bin() -> Path:
    try:
        from pgserver._commands import POSTGRES_BIN_PATH

        if (Path(POSTGRES_BIN_PATH) / "pg_ctl").exists():
            return Path(POSTGRES_BIN_PATH)
    except ImportError:  # pragma: no cover - pgserver is a dev dependency
        pass
    found = shutil.which("pg_ctl")
    assert found, "no PostgreSQL binaries (pgserver or pg_ctl on PATH)"
    return Path(found).parent


def _as_user() -> list[str]:
    """PostgreSQL refuses to run as root: then run its commands as an ordinary system user."""
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "pgserver"):
        try:
            pwd.getpwnam(name)
            return ["runuser", "-u", name, "--"]
        except KeyError:
            continue
    subprocess.run(["useradd", "-s", "/bin/sh", "pgserver"], check=True, capture_output=True)
    return ["runuser", "-u", "pgserver", "--"]


class PrivatePostgres:
    """A throwaway PostgreSQL cluster that this test may restart and stop at will."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.sudo = _as_user()
        self.root = Path(tempfile.mkdtemp(prefix="habit-faults-pg-"))
        if self.sudo:
            entry = pwd.getpwnam(self.sudo[2])
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.data = self.root / "data"
        self.port = free_port()
        subprocess.run(
            [
                *self.sudo,
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        cmd = [
            *self.sudo,
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
        ]
        subprocess.run([*cmd, *args], check=True, capture_output=True, timeout=60)

    def close(self) -> None:
        subprocess.run(
            [*self.sudo, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    pg = PrivatePostgres()
    try:
        pg.ctl("start")
        upgrade(pg.url)
        yield pg
    finally:
        pg.close()


class Tally:
    def __init__(self) -> None:
        self.statuses: collections.Counter[int] = collections.Counter()
        self.bad: list[str] = []
        self.transport_errors = 0

    def record(self, what: str, r: httpx.Response) -> None:
        self.statuses[r.status_code] += 1
        ok = 200 <= r.status_code < 300
        unavailable = r.status_code == 503 and r.headers.get("Retry-After", "").isdigit()
        if not (ok or unavailable):
            self.bad.append(f"{what}: {r.status_code} {r.headers.get('Retry-After')} {r.text[:200]}")


async def _client(base: str, token: str, tally: Tally, stop_at: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    dev = Device()
    hid = uuid7()
    day = 0
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=20) as client:
        pending = [dev.create(hid, f"Habit {hid[-6:]}")]
        while not stop_at.is_set():
            try:
                r = await client.post("/api/v1/sync/events", json={"events": pending})
                tally.record("push", r)
                if r.status_code == 200:
                    day = (day + 1) % 28
                    pending = [dev.checkin(hid, f"2024-02-{day + 1:02d}")]
                tally.record("habits", await client.get("/api/v1/habits"))
                tally.record("pull", await client.get("/api/v1/sync/events", params={"after": 0, "limit": 50}))
                tally.record("me", await client.get("/api/v1/users/me"))
            except httpx.TransportError:
                tally.transport_errors += 1
                await asyncio.sleep(0.05)


async def _all_succeed(base: str, tokens: list[str]) -> bool:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        for token in tokens:
            headers = {"Authorization": f"Bearer {token}"}
            for path in ("/api/v1/habits", "/api/v1/sync/status", "/api/v1/users/me", "/readyz"):
                try:
                    if (await client.get(path, headers=headers)).status_code != 200:
                        return False
                except httpx.TransportError:
                    return False
    return True


async def _run(base: str, tokens: list[str], pg: PrivatePostgres) -> tuple[Tally, float]:
    tally = Tally()
    stop_at = asyncio.Event()
    tasks = [asyncio.create_task(_client(base, tokens[i % len(tokens)], tally, stop_at)) for i in range(CLIENTS)]
    await asyncio.sleep(1.0)
    await asyncio.to_thread(pg.ctl, "-m", "fast", "restart")
    await asyncio.sleep(1.5)
    await asyncio.to_thread(pg.ctl, "-m", "fast", "stop")
    await asyncio.sleep(3.0)
    await asyncio.to_thread(pg.ctl, "start")
    started = time.monotonic()
    # Once the database is back, the server recovers by itself (no restart of its own).
    while not await _all_succeed(base, tokens):
        assert time.monotonic() - started < 15, "the server did not recover after the database came back"
        await asyncio.sleep(0.2)
    recovered = time.monotonic() - started
    stop_at.set()
    await asyncio.gather(*tasks)
    return tally, recovered


def test_restart_and_stop_of_postgres_under_load_give_no_500(
    private_pg: PrivatePostgres, redis_url: str, redis_prefix: str
) -> None:
    env = server_env(
        DATABASE_URL=private_pg.url,
        REDIS_URL=redis_url,
        HABIT_REDIS_PREFIX=redis_prefix + "faults:",
        LOGIN_ATTEMPTS_PER_MINUTE="1000",
        DB_POOL_TIMEOUT_SECONDS="5",
    )
    with serving(env, "--workers", "2") as (base, proc):
        tokens = []
        for _ in range(3):
            name = f"f{uuid7()[-10:]}"
            assert httpx.post(f"{base}/api/v1/users", json={"username": name, "password": PASSWORD}).status_code == 201
            r = httpx.post(f"{base}/api/v1/security/token", data={"username": name, "password": PASSWORD})
            tokens.append(r.json()["access_token"])
        tally, recovered = asyncio.run(_run(base, tokens, private_pg))
        print(f"statuses {dict(tally.statuses)}, transport errors {tally.transport_errors}, recovered {recovered:.1f}s")
        assert not tally.bad, f"{len(tally.bad)} bad answers, e.g. {tally.bad[:5]}\n{server_output(proc)[-3000:]}"
        assert tally.statuses[503] > 0, "the stop was not seen (the test did not test anything)"
        assert sum(n for s, n in tally.statuses.items() if s < 300) > 0
        # After the database is back, every kind of request succeeds again (pushes included).
        after = httpx.post(
            f"{base}/api/v1/sync/events",
            json={"events": [Device().create(uuid7(), "After")]},
            headers={"Authorization": f"Bearer {tokens[0]}"},
        )
        assert after.status_code == 200, after.text
        if os.environ.get("HABIT_FAULTS_KEEP_LOG"):
            print(server_output(proc)[-5000:])
