"""Stress: ``kill -9`` of the real ``habit sync`` mid-push and mid-pull, N times, then rerun each.

Run: ``uv run python tests/stress/kill_sync.py --trials 1000 [--backend sqlite|postgres]``.

Starts a ``habit-server`` of its own (SQLite in a temporary directory; or PostgreSQL, a fresh
database on ``HABIT_TEST_DATABASE_URL``, with Redis on ``HABIT_TEST_REDIS_URL`` when set), times one
whole sync, then runs the trial of :mod:`tests.sync.crash` ``--trials`` times, each on a fresh account,
killed at a moment spread over the sync's duration. Prints progress and a summary: where the kills
landed (mid-push, mid-pull...), how many reruns were needed, and every violation with the seed and
delay that reproduce it (``--replay SEED --delay D``). Exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.sync import crash
from tests.sync.conftest import free_port, start_server, stop, sync_server_env


@contextmanager
def server(backend: str, root: Path) -> Iterator[str]:
    """A private ``habit-server`` on ``backend``; yields its URL."""
    cleanup: Callable[[], None] | None = None
    if backend == "sqlite":
        env = sync_server_env(DATABASE_URL=f"sqlite:///{root / 'server.db'}")
    else:
        from sqlalchemy.engine import make_url

        from habit_server.db.migrate import upgrade
        from tests.server.conftest import _admin

        admin = os.environ.get("HABIT_TEST_DATABASE_URL")
        if not admin:
            raise SystemExit("--backend postgres needs HABIT_TEST_DATABASE_URL (a PostgreSQL server, trust auth)")
        name = f"habit_stress_{secrets.token_hex(4)}"
        asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
        url = make_url(admin).set(drivername="postgresql+asyncpg", database=name).render_as_string(False)
        upgrade(url)
        extra = {"DATABASE_URL": url}
        redis_url = os.environ.get("HABIT_TEST_REDIS_URL")
        if redis_url:
            extra |= {"REDIS_URL": redis_url, "HABIT_REDIS_PREFIX": f"habit-stress:{name}:"}
        env = sync_server_env(**extra)

        def drop() -> None:
            asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if redis_url:
                import redis

                client = redis.Redis.from_url(redis_url)
                keys = list(client.scan_iter(match=f"habit-stress:{name}:*", count=1000))
                if keys:
                    client.delete(*keys)
                client.close()

        cleanup = drop
    port = free_port()
    proc = start_server(port, env, log=root / "server.log")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
        if cleanup is not None:
            cleanup()


RECALIBRATE_EVERY = 100


def calibrate(url: str, work: Path, rng: random.Random, sizes: crash.Sizes, bad: list[str]) -> tuple[float, float]:
    """(seconds ``habit`` takes to start, seconds a whole sync takes): medians of 3 trials with no kill."""
    starts, fulls = [], []
    for n in range(3):
        start, full, outcome = crash.calibrate(url, work / str(n), rng.randrange(2**32), sizes)
        starts.append(start)
        fulls.append(full)
        if outcome.violations:
            bad.append(f"calibration {outcome.describe()} (kept in {work}): {'; '.join(outcome.violations)}")
    if not bad:
        shutil.rmtree(work, ignore_errors=True)
    return statistics.median(starts), statistics.median(fulls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seed", type=int, default=None, help="the run's seed (default: random, printed)")
    parser.add_argument("--delay", type=float, default=None, help="kill every trial after this many seconds")
    parser.add_argument("--replay", type=int, default=None, help="run one trial with this trial seed (and --delay)")
    parser.add_argument("--local", type=int, default=crash.Sizes.local, help="events in the killed device's outbox")
    parser.add_argument("--remote", type=int, default=crash.Sizes.remote, help="events it pulls from the other one")
    parser.add_argument(
        "--stale-token", action="store_true", help="each killed sync first refreshes (rotates) the device's tokens"
    )
    parser.add_argument("--keep", action="store_true", help="keep every trial's directory (default: failed ones)")
    args = parser.parse_args()

    if args.replay is not None:
        args.trials = 1
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    sizes = crash.Sizes(args.local, args.remote)
    root = Path(tempfile.mkdtemp(prefix="habit-kill-sync-"))
    print(f"kill -9 stress: {args.trials} trials on {args.backend}, seed {seed}, {sizes}, in {root}", flush=True)
    began = time.perf_counter()
    phases: Counter[str] = Counter()
    modes: Counter[str] = Counter()
    reruns: Counter[int] = Counter()
    bad: list[str] = []
    timings: list[float] = []
    with server(args.backend, root) as url:
        delays: list[float] = []
        for i in range(1, args.trials + 1):
            if not delays:  # (re)measure a whole sync: the machine's load changes over a long run
                block = min(RECALIBRATE_EVERY, args.trials - i + 1)
                start, full = calibrate(url, root / f"calibrate{i}", rng, sizes, bad)
                timings.append(full)
                print(
                    f"a whole sync takes {full:.3f}s ({start:.3f}s of it starting up); kills spread over that",
                    flush=True,
                )
                delays = [args.delay] * block if args.delay is not None else crash.kill_delays(rng, block, start, full)
            delay = delays.pop()
            work = root / f"trial{i}"
            trial_seed = args.replay if args.replay is not None else rng.randrange(2**32)
            try:
                outcome = crash.run_trial(url, work, trial_seed, delay, sizes, stale_token=args.stale_token)
            except Exception:
                outcome = crash.Outcome(trial_seed, "?", delay, phase="error")
                outcome.violations.append(traceback.format_exc(limit=3).strip().replace("\n", " | "))
            phases[outcome.phase] += 1
            modes[outcome.mode] += 1
            if outcome.phase != "finished":
                reruns[outcome.reruns] += 1
            if outcome.violations:
                bad.append(f"trial {i} {outcome.describe()} (kept in {work}): {'; '.join(outcome.violations)}")
                print(f"VIOLATION {bad[-1]}", flush=True)
            elif not args.keep:
                shutil.rmtree(work, ignore_errors=True)
            if i % 25 == 0 or i == args.trials:
                elapsed = time.perf_counter() - began
                print(
                    f"[{i:5d}/{args.trials}] {elapsed:7.1f}s  "
                    + " ".join(f"{p}={phases[p]}" for p in crash.PHASES if phases[p])
                    + f"  violations={len(bad)}",
                    flush=True,
                )
    wall = time.perf_counter() - began
    print()
    each = wall / args.trials
    print(f"trials:      {args.trials} on {args.backend} (seed {seed}), {wall:.1f}s wall, {each:.2f}s each")
    took = ", ".join(f"{t:.2f}" for t in timings)
    print(f"sizes:       {sizes.local} events pushed, {sizes.local + sizes.remote} pulled; a whole sync took {took}s")
    print(f"modes:       {dict(modes)} (join: first sync re-pushes all; outbox: pushes the outbox)")
    print(
        "kills:       "
        f"mid-push {phases['push']}, mid-pull {phases['pull']}, before anything reached the server {phases['start']}, "
        f"after the pull {phases['end']}, sync already done {phases['finished']}"
    )
    needed = ", ".join(f"{v} needed {k}" for k, v in sorted(reruns.items()))
    print(f"reruns:      {sum(k * v for k, v in reruns.items())} after {sum(reruns.values())} kills ({needed})")
    print(f"violations:  {len(bad)}")
    for line in bad:
        print(f"  {line}")
    if not bad and not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
