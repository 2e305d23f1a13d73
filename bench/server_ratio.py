"""The server against the stack floor, in one run: phases alternate floor, ours, floor, ours, ...

The floor (``bench/floor_app.py``: bare FastAPI, one asyncpg INSERT per request) and
``habit-server`` run side by side with the same number of workers, on the same PostgreSQL (a
fresh database) and with Redis, and the same load client (``server_push._load``) drives each phase
with ``--clients`` keep-alive connections. The machine is shared and its speed drifts, so each of
our phases is reported as a ratio to the mean of the floor phases just before and after it, in
requests per second and in CPU per request (the server's processes, the run's PostgreSQL backends
and Redis, from /proc: it drifts far less than req/s when other work shares the machine; a
backend that a pool opens during a phase is counted too). Two seconds of each kind of request
come first, unmeasured, so that every worker's pool has opened its connections before the first
measured phase. Ours: a sync push of one check-in, and the original product's
``POST /habits/{id}/complete``.
Then the heavy read: ``GET /api/v1/habits?limit=200`` of 20 daily habits started 1970-01-01 with
a check-in every other day (the response cache dropped by a write before each read).

    uv run python bench/server_ratio.py [--clients 50] [--seconds 8] [--rounds 2] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench import cpu
from bench.server_push import (
    Client,
    Mode,
    _account,
    _free_port,
    _load,
    _wait_ready,
    bench_stores,
    running,
    start_habit_server,
)
from sync_protocol.domain.ids import uuid7

ROOT = Path(__file__).resolve().parent.parent


def start_floor(libpq_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    """The floor app under habit-server's own worker supervisor (one SO_REUSEPORT socket per worker)."""
    code = (
        "from habit_server import workers; "
        f"workers.run('127.0.0.1', {port}, {workers}, "
        "{'app': 'bench.floor_app:app_from_env', 'factory': True, 'log_level': 'warning'})"
    )
    env = {**os.environ, "FLOOR_DATABASE_URL": libpq_url, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    _wait_ready(f"http://127.0.0.1:{port}", proc)
    return proc


@dataclass(frozen=True)
class Costs:
    """Where a phase's CPU is counted: each server's processes, the run's database backends, Redis."""

    ours: set[int]
    floor: set[int]
    database: str

    def backends(self) -> set[int]:
        return cpu.titled(f" {self.database} ")


async def _phase(base: str, users: list[Client], seconds: float, mode: Mode, costs: Costs | None) -> dict[str, float]:
    """One load phase; with ``costs``, also the CPU microseconds each request cost (server +
    PostgreSQL + Redis), which drifts far less than req/s on a shared machine."""
    if costs is None:
        return await _load(base, users, seconds, mode=mode)

    def pids() -> set[int]:
        # Read again at the end: the pools open backends during a phase (the first phases most).
        return (costs.floor if mode == "floor" else costs.ours) | costs.backends() | cpu.named("redis-server")

    before = cpu.cpu_by_pid(pids())
    result = await _load(base, users, seconds, mode=mode)
    result["cpu_us"] = cpu.spent(before, cpu.cpu_by_pid(pids())) * 1e6 / max(result["requests"], 1)
    return result


async def _phases(
    ours: str, floor: str, clients: int, seconds: float, rounds: int, costs: Costs | None
) -> list[tuple[str, dict[str, float]]]:
    async with httpx.AsyncClient(base_url=ours, timeout=30) as http:
        users = [await _account(http) for _ in range(clients)]
    done: list[tuple[str, dict[str, float]]] = []
    order: list[Mode] = ["push", "rest"] * rounds
    for mode in ("floor", "push", "rest"):  # unmeasured: every worker's pool opens its connections
        await _load(floor if mode == "floor" else ours, users, min(2.0, seconds), mode=mode)
    done.append(("floor", await _phase(floor, users, seconds, "floor", costs)))
    for mode in order:
        done.append((mode, await _phase(ours, users, seconds, mode, costs)))
        done.append(("floor", await _phase(floor, users, seconds, "floor", costs)))
    return done


async def _heavy(base: str, habits: int, reads: int) -> list[float]:
    """Seconds per ``GET /habits?limit=200`` of ``habits`` daily habits from 1970-01-01."""
    today = date.today()
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        user: Client = await _account(http)
        first = date(1970, 1, 1)
        for i in range(habits):
            hid = user.habit if i == 0 else None
            if hid is None:
                hid = uuid7()
                await user.push([user.event("habit.create", {"habit_id": hid, "name": f"Old {i}"})])
            await user.push([user.event("habit.update", {"habit_id": hid, "start_date": first.isoformat()})])
            day, batch = first, []
            while day < today:
                batch.append(user.event("checkin.set", {"habit_id": hid, "date": day.isoformat(), "value": 1}))
                if len(batch) == 500:
                    await user.push(batch)
                    batch = []
                day += timedelta(days=2)
            if batch:
                await user.push(batch)
        times = []
        for n in range(reads):
            await user.push(
                [
                    user.event(
                        "checkin.set",
                        {"habit_id": user.habit, "date": (today - timedelta(days=n)).isoformat(), "value": 1},
                    )
                ]
            )
            began = time.perf_counter()
            r = await http.get("/api/v1/habits?limit=200", headers=user.headers)
            times.append(time.perf_counter() - began)
            r.raise_for_status()
            assert len(r.json()["items"]) == habits
    return times


def _table(args: argparse.Namespace, phases: list[tuple[str, dict[str, float]]]) -> None:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    print(f"{args.workers} workers each, PostgreSQL + Redis on loopback, {os.cpu_count()} CPUs ({cpu}),")
    print(f"{args.clients} clients, {args.seconds:.0f} s per phase, phases in this order:\n")
    print("| phase | req/s | p50 ms | p99 ms | errors | ratio to floor (mean of neighbours) | CPU µs/req | CPU ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for i, (mode, r) in enumerate(phases):
        ratio = cost_ratio = ""
        if mode != "floor":
            near = statistics.mean([phases[i - 1][1]["rps"], phases[i + 1][1]["rps"]])
            ratio = f"{r['rps'] / near:.2f}x"
            if "cpu_us" in r:
                floor_cost = statistics.mean([phases[i - 1][1]["cpu_us"], phases[i + 1][1]["cpu_us"]])
                cost_ratio = f"{floor_cost / r['cpu_us']:.2f}x"
        label = {"floor": "floor", "push": "push 1 check-in", "rest": "REST complete"}[mode]
        cost = f"{r['cpu_us']:.0f}" if "cpu_us" in r else ""
        print(
            f"| {label} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']:.0f} | {ratio}"
            f" | {cost} | {cost_ratio} |"
        )
    if any("cpu_us" in r for _, r in phases):
        print("\nCPU ratio: the floor's CPU per request (server, PostgreSQL backends, Redis) over ours.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--heavy-reads", type=int, default=5, help="heavy list reads (0: skip)")
    args = parser.parse_args()

    with bench_stores() as stores:
        if stores is None:
            return 0
        ours_port, floor_port = _free_port(), _free_port()
        os.environ["MAX_EVENTS_PER_USER"] = "0"  # the heavy account holds ~200,000 events
        servers = [
            start_habit_server(stores.url, stores.redis_url, stores.prefix, ours_port, args.workers),
            start_floor(stores.libpq, floor_port, args.workers),
        ]
        with running(servers):
            ours, floor = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{floor_port}"
            costs = Costs(cpu.tree(servers[0].pid), cpu.tree(servers[1].pid), stores.name) if cpu.available() else None
            phases = asyncio.run(_phases(ours, floor, args.clients, args.seconds, args.rounds, costs))
            _table(args, phases)
            heavy = asyncio.run(_heavy(ours, 20, args.heavy_reads)) if args.heavy_reads else []

    if heavy:
        ms = ", ".join(f"{t * 1000:.0f}" for t in heavy)
        print(f"\n`GET /habits?limit=200`, 20 habits from 1970-01-01, cache dropped before each: {ms} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
