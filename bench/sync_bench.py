"""Sync speed (issue 10): a first sync of a big history each way, an incremental sync, live updates.

Run: ``uv run python bench/sync_bench.py [--years 7] [--runs 20]``. Starts ``habit-server`` on a
loopback port against a fresh PostgreSQL database and Redis (``HABIT_BENCH_DATABASE_URL`` /
``HABIT_TEST_DATABASE_URL``, default the machine's), then:

1. device A (50 habits x ``--years`` years, ~100,000 events at 7 years) registers and runs
   ``habit sync``: events pushed per second of wall time, from the command's start to its exit;
2. device B logs in and runs ``habit sync``: events pulled and applied per second, likewise;
3. incremental: A checks one habit in (not timed), then ``habit sync`` is timed; the budget is the
   median of that less the median of ``habit --help`` (the command's own start-up), runs interleaved;
4. live: B's full-screen app is open (in this process, headless); A checks in and syncs; the
   time until B's board shows the check-in, from the moment A's sync returned.

Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fixtures import build
from bench.server_push import _admin, _free_port, start_habit_server
from habit_server.db.migrate import upgrade

TODAY = date(2026, 11, 24)
HABIT = str(Path(sys.executable).with_name("habit"))
PASSWORD = "correct horse battery"
PUSH_BUDGET = PULL_BUDGET = 5000.0
INCREMENTAL_BUDGET_MS = 50.0
LIVE_BUDGET_MS = 300.0


def run(home: Path, *args: str, stdin: str | None = None) -> float:
    """Wall seconds of ``habit ARGS`` on the data directory ``home`` (it must succeed)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("HABIT_")}
    env |= {"HABIT_HOME": str(home), "HABIT_NOW": f"{TODAY.isoformat()}T12:00:00"}
    t0 = time.perf_counter()
    done = subprocess.run([HABIT, *args], env=env, input=stdin, capture_output=True, text=True, check=False)
    took = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"habit {' '.join(args)} failed: {done.stderr.strip()}")
    return took


def count_events(home: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(home / "habit.db")
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        conn.close()


async def live(home_b: Path, home_a: Path, runs: int) -> list[float]:
    """Seconds from A's sync returning to B's open board showing A's check-in, ``runs`` times."""
    os.environ["HABIT_HOME"] = str(home_b)
    os.environ["HABIT_NOW"] = f"{TODAY.isoformat()}T12:00:00"
    from habit_tui.services import account as accounts
    from habit_tui.services import checkins, syncing
    from habit_tui.services.context import open_session
    from habit_tui.settings import load_settings
    from habit_tui.tui.app import create_app
    from habit_tui.tui.widgets.board_grid import BoardGrid
    from habit_tui.tui.widgets.status_line import StatusLine

    settings_a = load_settings({"HABIT_NOW": os.environ["HABIT_NOW"]}, home=home_a)
    app = create_app(home_b / "habit.db", today=TODAY)
    took: list[float] = []
    async with app.run_test(size=(120, 40)):
        status = app.board.query_one(StatusLine)
        while status.sync.state != "synced":
            await asyncio.sleep(0.01)
        grid = app.board.query_one(BoardGrid)
        with open_session(home_a / "habit.db", TODAY, settings_a) as a:
            api = accounts.open_api(a)
            try:
                for n in range(runs):
                    habit = a.store.habits()[n % 10]
                    day = TODAY - timedelta(days=n // 10)
                    checkins.toggle(a, habit, day)
                    want = a.store.checkin(habit.id, day)
                    syncing.sync(a, api)
                    t0 = time.perf_counter()
                    while True:
                        row = next((r for r in grid.rows if r.habit.id == habit.id), None)
                        if row is not None and row.cells.get(day) == want:
                            break
                        if time.perf_counter() - t0 > 10:
                            raise SystemExit("the board never showed the check-in")
                        await asyncio.sleep(0.002)
                    took.append(time.perf_counter() - t0)
                    await asyncio.sleep(0.1)
            finally:
                api.close()
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=7, help="history of the 50 habits (7: ~100,000 events)")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    pg = os.environ.get("HABIT_BENCH_DATABASE_URL") or os.environ.get(
        "HABIT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    rurl = os.environ.get("HABIT_BENCH_REDIS_URL") or os.environ.get("HABIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    from sqlalchemy.engine import make_url

    name = f"habit_syncbench_{secrets.token_hex(4)}"
    asyncio.run(_admin(pg, f'CREATE DATABASE "{name}"'))
    url = make_url(pg).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    work = Path(tempfile.mkdtemp(prefix="habit-sync-bench-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc: subprocess.Popen[bytes] | None = None
    try:
        upgrade(url)
        proc = start_habit_server(url, rurl, f"habit-syncbench:{secrets.token_hex(4)}:", port)
        a, b = work / "a", work / "b"
        build(a / "habit.db", 50, args.years, TODAY)
        events = count_events(a)
        user = f"bench{secrets.token_hex(3)}"
        run(a, "register", "--server", base, "--username", user, "--email", "", "--password-stdin", stdin=PASSWORD)
        push_s = run(a, "sync")
        run(b, "login", "--server", base, "--username", user, "--password-stdin", stdin=PASSWORD)
        pull_s = run(b, "sync")
        pulled = count_events(b)
        syncs, helps = [], []
        for n in range(args.runs):
            run(a, "done", f"Habit {n % 50:03d}", "--date", f"-{n // 50 + 1}")
            syncs.append(run(a, "sync"))
            helps.append(run(a, "--help"))
        live_s = asyncio.run(live(b, a, args.runs))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(20)
        asyncio.run(_admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(work, ignore_errors=True)

    incremental = (statistics.median(syncs) - statistics.median(helps)) * 1000
    live_ms = sorted(x * 1000 for x in live_s)
    p95 = live_ms[max(0, int(len(live_ms) * 0.95) - 1)]
    print(f"server: habit-server, 1 process, PostgreSQL + Redis on loopback, {os.cpu_count()} CPUs\n")
    print("| benchmark | result | budget |")
    print("|---|---|---|")
    print(
        f"| first sync, device A pushes {events:,} events | {push_s:.2f} s, {events / push_s:,.0f} events/s "
        f"| >= {PUSH_BUDGET:,.0f}/s {'ok' if events / push_s >= PUSH_BUDGET else 'OVER'} |"
    )
    print(
        f"| first sync, device B pulls {pulled:,} events | {pull_s:.2f} s, {pulled / pull_s:,.0f} events/s "
        f"| >= {PULL_BUDGET:,.0f}/s {'ok' if pulled / pull_s >= PULL_BUDGET else 'OVER'} |"
    )
    print(
        f"| incremental `habit sync` (one check-in) less `habit --help`, medians of {args.runs} | "
        f"{incremental:.0f} ms ({statistics.median(syncs) * 1000:.0f} - {statistics.median(helps) * 1000:.0f} ms) "
        f"| <= {INCREMENTAL_BUDGET_MS:.0f} ms {'ok' if incremental <= INCREMENTAL_BUDGET_MS else 'OVER'} |"
    )
    print(
        f"| live: A's check-in on B's open board, after A's sync returned ({args.runs} runs) | "
        f"p50 {statistics.median(live_ms):.0f} ms, p95 {p95:.0f} ms "
        f"| p95 <= {LIVE_BUDGET_MS:.0f} ms {'ok' if p95 <= LIVE_BUDGET_MS else 'OVER'} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
