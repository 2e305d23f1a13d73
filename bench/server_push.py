"""Load benchmark of the sync server: concurrent single check-in pushes, then a 100,000-event pull.

Starts ``habit-server --workers 2`` on a loopback port against a fresh PostgreSQL database and
Redis (the server named by ``HABIT_BENCH_DATABASE_URL``, else ``HABIT_TEST_DATABASE_URL``, else
postgresql://postgres@127.0.0.1:5432/postgres; Redis likewise from ``HABIT_BENCH_REDIS_URL`` /
``HABIT_TEST_REDIS_URL`` / redis://127.0.0.1:6379/0), drives it with 50 concurrent clients for a
fixed time, then pages through 100,000 events of one user. Prints a Markdown table; the database
it made is dropped and its Redis keys deleted at the end.

    uv run python bench/server_push.py [--clients 50] [--seconds 15] [--workers 2] [--pull-events 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg  # type: ignore[import-untyped]
import httpx
import redis
from sqlalchemy.engine import make_url

from habit_server.db.migrate import upgrade
from sync_protocol.domain.ids import hlc_from_ms, now_ms, uuid7

PASSWORD = "benchmark password 1"


def _env(*names: str, default: str) -> str:
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return default


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class Client:
    """One simulated device of one user."""

    def __init__(self, http: httpx.AsyncClient, token: str) -> None:
        self.http = http
        self.headers = {"Authorization": f"Bearer {token}"}
        self.device = uuid7()
        self.seq = 0
        self.clock = 0
        self.habit = uuid7()
        self.completes = 0

    def event(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        self.clock = max(self.clock + 1, hlc_from_ms(now_ms()))
        return {
            "event_id": uuid7(),
            "device_id": self.device,
            "device_seq": self.seq,
            "hlc": self.clock,
            "kind": kind,
            "schema": 1,
            "payload": payload,
        }

    def checkin(self) -> dict[str, Any]:
        day = f"2025-{1 + self.seq % 12:02d}-{1 + self.seq % 28:02d}"
        return self.event("checkin.set", {"habit_id": self.habit, "date": day, "value": 1})

    async def push(self, events: list[dict[str, Any]]) -> None:
        r = await self.http.post("/api/v1/sync/events", json={"events": events}, headers=self.headers)
        if r.status_code != 200:
            raise RuntimeError(f"push failed: {r.status_code} {r.text[:200]}")


async def _account(http: httpx.AsyncClient) -> Client:
    name = f"bench{secrets.token_hex(5)}"
    r = await http.post("/api/v1/users", json={"username": name, "password": PASSWORD})
    r.raise_for_status()
    t = await http.post("/api/v1/security/token", data={"username": name, "password": PASSWORD})
    t.raise_for_status()
    client = Client(http, t.json()["access_token"])
    await client.push([client.event("habit.create", {"habit_id": client.habit, "name": "Bench"})])
    return client


class RawConnection:
    """A minimal HTTP/1.1 keep-alive client: the load generator shares the 2 CPUs with the server,
    so it must cost far less per request than the server does (httpx costs about as much)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, headers: dict[str, str], body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        head += f"Content-Length: {len(body)}\r\n\r\n"
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return int(status_line.split()[1])


Mode = Literal["push", "rest", "floor"]


async def _load(base: str, users: list[Client], seconds: float, *, mode: Mode = "push") -> dict[str, float]:
    """``mode``: a sync push of one check-in, the original product's ``POST /habits/{id}/complete``
    (``rest``), or the same push body sent to the stack floor's one INSERT (``floor``, see floor_app.py)."""
    url = httpx.URL(base)
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def run(u: Client) -> None:
        nonlocal errors
        conn = RawConnection(url.host, url.port or 80)

        def request() -> tuple[str, bytes]:
            if mode == "rest":
                u.completes += 1  # not the device's seq: pushes may follow
                day = f"2025-{1 + u.completes % 12:02d}-{1 + u.completes % 28:02d}"
                return f"/api/v1/habits/{u.habit}/complete", json.dumps({"date": day}).encode()
            body = json.dumps({"events": [u.checkin()]}).encode()
            return ("/floor" if mode == "floor" else "/api/v1/sync/events"), body

        for _ in range(3):  # warm up
            path, body = request()
            await conn.post(path, u.headers, body)
        while time.perf_counter() < stop_at:
            path, body = request()
            start = time.perf_counter()
            status = await conn.post(path, u.headers, body)
            if status != 200:
                errors += 1
                continue
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    await asyncio.gather(*(run(u) for u in users))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


async def _both(
    base: str, clients: int, seconds: float, rest_seconds: float
) -> tuple[dict[str, float], dict[str, float]]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        users = [await _account(http) for _ in range(clients)]
    push = await _load(base, users, seconds)
    rest = await _load(base, users, rest_seconds, mode="rest") if rest_seconds > 0 else {}
    return push, rest


async def _pull(base: str, events: int) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        user = await _account(http)
        remaining = events - 1
        while remaining > 0:
            n = min(500, remaining)
            await user.push([user.checkin() for _ in range(n)])
            remaining -= n
        began = time.perf_counter()
        after, got, pages = 0, 0, 0
        while True:
            r = await http.get(f"/api/v1/sync/events?after={after}&limit=1000", headers=user.headers)
            r.raise_for_status()
            page = r.json()
            got += len(page["events"])
            pages += 1
            after = page["next"]
            if not page["has_more"]:
                break
        elapsed = time.perf_counter() - began
    if got != events:
        raise RuntimeError(f"pulled {got} events, expected {events}")
    return {"events": got, "pages": pages, "seconds": elapsed, "events_per_s": got / elapsed}


def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not become ready")


def start_habit_server(url: str, redis_url: str, prefix: str, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    """``habit-server`` on ``port`` against the database ``url`` and Redis, ready when this returns."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "HABIT_REDIS_PREFIX": prefix,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "LOG_LEVEL": "warning",
        "SIGNUPS_PER_HOUR": "0",  # every benchmark client signs up from 127.0.0.1
    }
    cmd = [sys.executable, "-c", "from habit_server.main import main; main()", "--port", str(port)]
    proc = subprocess.Popen([*cmd, "--workers", str(workers)], env=env)
    _wait_ready(f"http://127.0.0.1:{port}", proc)
    return proc


@dataclass(frozen=True)
class Stores:
    """A PostgreSQL database (migrated) and a Redis key prefix of one benchmark run's own."""

    pg: str
    """The server's address, as given (libpq form)."""
    name: str
    redis_url: str
    prefix: str

    @property
    def url(self) -> str:
        """The run's database, for SQLAlchemy with asyncpg."""
        db = make_url(self.pg).set(drivername="postgresql+asyncpg", database=self.name)
        return db.render_as_string(hide_password=False)

    @property
    def libpq(self) -> str:
        """The run's database, for asyncpg or psql."""
        return make_url(self.pg).set(drivername="postgresql", database=self.name).render_as_string(hide_password=False)


@contextmanager
def bench_stores() -> Iterator[Stores | None]:
    """Create and migrate the run's database and prefix (None, with a line said, when there is no
    PostgreSQL or Redis); drop both at the end."""
    pg = _env(
        "HABIT_BENCH_DATABASE_URL", "HABIT_TEST_DATABASE_URL", default="postgresql://postgres@127.0.0.1:5432/postgres"
    )
    rurl = _env("HABIT_BENCH_REDIS_URL", "HABIT_TEST_REDIS_URL", default="redis://127.0.0.1:6379/0")
    stores = Stores(pg, f"habit_bench_{secrets.token_hex(4)}", rurl, f"habit-bench:{secrets.token_hex(4)}:")
    try:
        asyncio.run(_admin(pg, f'CREATE DATABASE "{stores.name}"'))
        redis.Redis.from_url(rurl).ping()
    except (OSError, asyncpg.PostgresError, redis.RedisError) as exc:
        print(f"skipped: needs PostgreSQL and Redis ({type(exc).__name__}: {exc})")
        yield None
        return
    try:
        upgrade(stores.url)
        yield stores
    finally:
        asyncio.run(_admin(pg, f'DROP DATABASE IF EXISTS "{stores.name}" WITH (FORCE)'))
        client = redis.Redis.from_url(rurl)
        keys = list(client.scan_iter(match=stores.prefix + "*", count=1000))
        if keys:
            client.delete(*keys)


@contextmanager
def running(procs: list[subprocess.Popen[bytes]]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Server processes, stopped at the end however the benchmark ends."""
    try:
        yield procs
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rest-seconds", type=float, default=10.0, help="REST complete phase (0: skip)")
    parser.add_argument("--pull-events", type=int, default=100_000)
    args = parser.parse_args()

    with bench_stores() as stores:
        if stores is None:
            return 0
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with running([start_habit_server(stores.url, stores.redis_url, stores.prefix, port, args.workers)]):
            push, rest = asyncio.run(_both(base, args.clients, args.seconds, args.rest_seconds))
            pull = asyncio.run(_pull(base, args.pull_events))

    print(f"server: {args.workers} uvicorn workers, PostgreSQL + Redis on loopback, {os.cpu_count()} CPUs\n")
    print("| benchmark | result |")
    print("| --- | --- |")
    print(
        f"| push, 1 check-in per request, {args.clients} clients, {args.seconds:.0f} s | "
        f"{push['rps']:.0f} req/s, p50 {push['p50_ms']:.1f} ms, p99 {push['p99_ms']:.1f} ms, "
        f"{push['requests']:.0f} ok, {push['errors']:.0f} errors |"
    )
    if rest:
        print(
            f"| REST `POST /habits/{{id}}/complete`, {args.clients} clients, {args.rest_seconds:.0f} s | "
            f"{rest['rps']:.0f} req/s, p50 {rest['p50_ms']:.1f} ms, p99 {rest['p99_ms']:.1f} ms, "
            f"{rest['requests']:.0f} ok, {rest['errors']:.0f} errors |"
        )
    print(
        f"| pull {pull['events']:.0f} events, pages of 1000 | {pull['seconds']:.2f} s "
        f"({pull['events_per_s']:.0f} events/s, {pull['pages']:.0f} requests) |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
