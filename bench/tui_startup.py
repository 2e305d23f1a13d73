"""From starting the full-screen app to its first complete board (50 habits x 3 years of history).

Run: ``uv run python bench/tui_startup.py [--runs 15]``. Two measurements, each a fresh process:

* headless: a new Python process imports the CLI and the app (as ``habit`` does), opens the store
  and runs the app headless; the time is from spawning the process to the moment the board's first
  complete frame has been painted (``HabitApp.ready_at``, set after the refresh that follows the
  first board load).
* tmux: the real ``habit`` command in a 120x40 tmux pane; the time is from ``tmux new-session`` to
  the first ``capture-pane`` that shows both the first habit row and the status line.

Both run warm (today's stats cached in the store, as after any earlier command of the day) and
cold (stats cache emptied before each run: the first start of a day).

Then, in one headless app: how long a toggle (space) takes until the cell is redrawn (the change
is shown at once, before the database thread has written it) and until the write and the row's
new streak and score are back from the database thread.

Budget (issue 3): <= 500 ms median to the first board; a toggle redraws within one frame (16 ms).
Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
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
BUDGET_S = 0.500
HABIT = str(Path(sys.executable).with_name("habit"))

CHILD = """
import habit_tui.cli.main  # what `habit` imports before it opens the app
from habit_tui.tui.app import create_app

app = create_app()
app.exit_when_ready = True
app.run(headless=True, size=(120, 40))
print(app.ready_at)
"""


def headless_once(env: dict[str, str]) -> float:
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1]) - t0


def tmux_once(env: dict[str, str], tmux: str) -> float:
    name = f"habit-bench-{os.getpid()}"
    command = f"env HABIT_HOME={env['HABIT_HOME']} HABIT_NOW={env['HABIT_NOW']} {HABIT}"
    t0 = time.perf_counter()
    subprocess.run([tmux, "new-session", "-d", "-s", name, "-x", "120", "-y", "40", command], check=True)
    try:
        while True:
            screen = subprocess.run(
                [tmux, "capture-pane", "-p", "-t", name], capture_output=True, text=True, check=False
            ).stdout
            if "Habit 000" in screen and "done today" in screen:
                return time.perf_counter() - t0
            if time.perf_counter() - t0 > 10:
                raise RuntimeError(f"the board never appeared:\n{screen}")
            time.sleep(0.005)
    finally:
        subprocess.run([tmux, "kill-session", "-t", name], capture_output=True, check=False)


def drop_cache(home: Path) -> None:
    conn = sqlite3.connect(home / "habit.db")
    conn.execute("DELETE FROM stats_cache")
    conn.commit()
    conn.close()


def row(label: str, times: list[float], budget: float = BUDGET_S) -> str:
    med = statistics.median(times)
    verdict = "ok" if med <= budget else "OVER"
    return (
        f"| {label} | {med * 1000:.1f} | {min(times) * 1000:.1f} | {max(times) * 1000:.1f} "
        f"| {budget * 1000:.0f} | {verdict} |"
    )


async def toggles(home: Path, runs: int) -> tuple[list[float], list[float]]:
    """(UI-thread seconds to show a toggle, seconds until the write and the row's new stats are back)."""
    from habit_tui.tui.app import create_app
    from habit_tui.tui.widgets.board_grid import HEADER_LINES, BoardGrid

    app = create_app(home / "habit.db")
    shown, saved = [], []
    async with app.run_test(size=(120, 40)) as pilot:
        while app.ready_at is None:
            await pilot.pause(0.01)
        grid = app.board.query_one(BoardGrid)
        for _ in range(runs):
            t0 = time.perf_counter()
            app.board.toggle()  # what space does on today's cell of the first habit
            grid.render_line(HEADER_LINES)  # and drawing that line
            shown.append(time.perf_counter() - t0)
            optimistic = grid.rows[0]
            while grid.rows[0] is optimistic:
                await asyncio.sleep(0.0005)
            saved.append(time.perf_counter() - t0)
    return shown, saved


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="habit-tui-bench-"))
    build(work / "habit.db", 50, 3, TODAY)
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**base, "HABIT_HOME": str(work), "HABIT_NOW": f"{TODAY.isoformat()}T12:00:00"}
    headless_once(env)  # warm-up: bytecode and the OS file cache
    headless = [headless_once(env) for _ in range(args.runs)]
    cold = []
    for _ in range(args.runs):
        drop_cache(work)
        cold.append(headless_once(env))
    print("| 50 habits x 3 years | median ms | min | max | budget | |")
    print("|---|---|---|---|---|---|")
    print(row("start to first board: headless app in a new process", headless))
    print(row("start to first board: same, first start of the day (cold stats)", cold))
    results = [headless, cold]
    tmux = shutil.which("tmux")
    if tmux is None:
        print("| `habit` in tmux | skipped: tmux is not installed | | | | |")
    else:
        # One idle session keeps the tmux server up between runs (a server that exits as the next
        # run connects makes `new-session` fail with "server exited unexpectedly").
        keep = f"habit-bench-keep-{os.getpid()}"
        subprocess.run([tmux, "new-session", "-d", "-s", keep, "sleep 3600"], check=True)
        try:
            tmux_once(env, tmux)
            real = [tmux_once(env, tmux) for _ in range(args.runs)]
            real_cold = []
            for _ in range(args.runs):
                drop_cache(work)
                real_cold.append(tmux_once(env, tmux))
        finally:
            subprocess.run([tmux, "kill-session", "-t", keep], capture_output=True, check=False)
        print(row("start to first board: `habit` in a 120x40 tmux pane", real))
        print(row("start to first board: same, first start of the day (cold stats)", real_cold))
        results += [real, real_cold]
    os.environ.update({"HABIT_HOME": env["HABIT_HOME"], "HABIT_NOW": env["HABIT_NOW"]})
    shown, saved = asyncio.run(toggles(work, max(20, args.runs)))
    print(row("toggle (space): UI-thread work until the cell is drawn", shown, 0.016))
    print(row("toggle (space): written, and streak/score back from the database thread", saved, 0.100))
    over = any(statistics.median(t) > BUDGET_S for t in results) or statistics.median(shown) > 0.016
    shutil.rmtree(work, ignore_errors=True)
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
