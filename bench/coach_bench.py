"""Time of the rule-based coach (budget 200 ms): facts and advice for every at-risk habit.

Run: ``uv run python bench/coach_bench.py [--runs 20]``. Measures the coach in process on
50 habits x 1 year (reading the store included), and ``habit coach --rules`` end to end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fixtures import build
from habit_tui.services.context import open_session
from habit_tui.services.reporting import at_risk
from habit_tui.settings import load_settings
from sync_protocol.coach.coach import Coach

TODAY = date(2026, 11, 24)
HABIT = str(Path(sys.executable).with_name("habit"))
BUDGET = 0.200


def in_process(db: Path, runs: int) -> tuple[list[float], int]:
    times = []
    count = 0
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        s = open_session(db, TODAY, load_settings({}, home=db.parent))
        facts = at_risk(s)
        with Coach(None) as coach:
            advice = [coach.advise(f) for f in facts]
        s.close()
        times.append(time.perf_counter() - t0)
        count = len(advice)
    return sorted(times[1:]), count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="habit-coach-bench-"))
    home = work / "home"
    build(home / "habit.db", 50, 1, TODAY)
    times, count = in_process(home / "habit.db", args.runs)
    print("| what | median | p90 | max | budget |")
    print("|---|---|---|---|---|")
    med = statistics.median(times)
    p90 = times[max(0, int(len(times) * 0.9) - 1)]
    verdict = f"{BUDGET * 1000:.0f} ms " + ("ok" if med <= BUDGET else "OVER")
    label = f"rule-based coach, {count} at-risk of 50 habits x 1 year (store read included)"
    print(f"| {label} | {med * 1000:.0f} ms | {p90 * 1000:.0f} ms | {times[-1] * 1000:.0f} ms | {verdict} |")
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**base, "HABIT_HOME": str(home), "HABIT_NOW": f"{TODAY.isoformat()}T12:00:00"}
    cmd = [HABIT, "coach", "--rules"]
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    walls = []
    for _ in range(max(5, args.runs // 2)):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - t0)
    walls.sort()
    med = statistics.median(walls)
    p90 = walls[max(0, int(len(walls) * 0.9) - 1)]
    print(
        f"| habit coach --rules, wall time with start-up | {med * 1000:.0f} ms | {p90 * 1000:.0f} ms | "
        f"{walls[-1] * 1000:.0f} ms | |"
    )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
