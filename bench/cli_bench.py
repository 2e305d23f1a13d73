"""Wall time of one-shot commands on big databases (issue 2's speed budgets).

Run: ``uv run python bench/cli_bench.py [--runs 20]``. Uses hyperfine when installed, else
times the commands itself. Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fixtures import build

TODAY = date(2026, 11, 24)
HABIT = str(Path(sys.executable).with_name("habit"))
ROOT = Path(__file__).resolve().parent.parent
UV_RUN = [shutil.which("uv") or "uv", "run", "--project", str(ROOT), "habit"]
"""``uv run habit`` as the README has it: uv checks the environment, then starts the script."""


def drop_cache(env: dict[str, str]) -> None:
    """Forget cached stats, as on the first command of a new day."""
    conn = sqlite3.connect(Path(env["HABIT_HOME"]) / "habit.db")
    conn.execute("DELETE FROM stats_cache")
    conn.commit()
    conn.close()


def measure(cmd: list[str], env: dict[str, str], runs: int, cold: bool = False) -> list[float]:
    """Wall-clock seconds of each run (after warm-ups); ``cold`` drops the stats cache before each."""
    if shutil.which("hyperfine"):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            quoted = " ".join(f"'{c}'" for c in cmd)
            extra = []
            if cold:
                prepare = f"{sys.executable} {Path(__file__).resolve()} --drop-cache {env['HABIT_HOME']}"
                extra = ["--prepare", prepare]
            subprocess.run(
                ["hyperfine", "-N", "--warmup", "2", "--runs", str(runs), *extra, "--export-json", out.name, quoted],
                env=env,
                check=True,
                capture_output=True,
            )
            return list(json.loads(Path(out.name).read_text())["results"][0]["times"])
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        if cold:
            drop_cache(env)
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--drop-cache", metavar="HOME", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drop_cache:
        drop_cache({"HABIT_HOME": args.drop_cache})
        return
    work = Path(tempfile.mkdtemp(prefix="habit-bench-"))
    small, big = work / "small", work / "big"
    t0 = time.perf_counter()
    build(small / "habit.db", 50, 3, TODAY)
    build(big / "habit.db", 100, 10, TODAY)
    print(f"built databases in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    # A user's machine writes bytecode for our modules on first run; this one sets
    # PYTHONDONTWRITEBYTECODE, which would make every run recompile the project's own modules.
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base["HABIT_NOW"] = f"{TODAY.isoformat()}T12:00:00"
    env_small = {**base, "HABIT_HOME": str(small)}
    env_big = {**base, "HABIT_HOME": str(big)}
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"], env_small, None, False),
        ("habit --version (the installed script)", [HABIT, "--version"], env_small, None, False),
        ("uv run habit --version (the README's way)", [*UV_RUN, "--version"], env_small, None, False),
        ("habit done NAME (50 habits x 3 years)", [HABIT, "done", "Habit 007"], env_small, 0.120, False),
        ("habit list --json (50 habits x 3 years)", [HABIT, "list", "--json"], env_small, 0.150, False),
        ("habit list --json, first run of the day", [HABIT, "list", "--json"], env_small, 0.150, True),
        ("habit stats --json (100 habits x 10 years)", [HABIT, "stats", "--json"], env_big, 0.500, False),
        ("habit stats --json, first run of the day", [HABIT, "stats", "--json"], env_big, 0.500, True),
    ]
    baseline = None
    print("| command | median | p90 | budget | x `python -c pass` |")
    print("|---|---|---|---|---|")
    for label, cmd, env, budget, cold in rows:
        times = sorted(measure(cmd, env, args.runs, cold))
        med = statistics.median(times)
        p90 = times[int(len(times) * 0.9) - 1]
        baseline = baseline or med
        verdict = "" if budget is None else (f"{budget * 1000:.0f} ms " + ("ok" if med <= budget else "OVER"))
        print(f"| {label} | {med * 1000:.0f} ms | {p90 * 1000:.0f} ms | {verdict} | {med / baseline:.1f} |")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
