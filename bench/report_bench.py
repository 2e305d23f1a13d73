"""Wall time of ``habit report``: a monthly PDF of 50 habits x 1 year, start-up included (budget 1 s).

Run: ``uv run python bench/report_bench.py [--runs 10]``. Prints a Markdown table for
BENCHMARKS.md, then where the time goes inside one process (imports, data, drawing).
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

TODAY = date(2026, 11, 24)
HABIT = str(Path(sys.executable).with_name("habit"))
BUDGET = 1.0


def wall(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    subprocess.run(cmd, env=env, check=True, capture_output=True)  # warm-up: bytecode, page cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return sorted(times)


def breakdown(home: Path) -> list[tuple[str, float]]:
    """Where one report's time goes, measured in a fresh interpreter."""
    code = f"""
import time, sys
from pathlib import Path
t0 = time.perf_counter()
import fpdf
t1 = time.perf_counter()
from habit_tui.services.context import open_session
from habit_tui.services.reporting import report_data
from habit_tui.settings import load_settings
from sync_protocol.report.pdf import render
from datetime import date
home = Path({str(home)!r})
s = open_session(home / "habit.db", date.fromisoformat({TODAY.isoformat()!r}), load_settings({{}}, home=home))
t2 = time.perf_counter()
data = report_data(s, "month")
t3 = time.perf_counter()
pdf = render(data)
t4 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, pdf.pages)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    fp, imp, data, draw, pages = (float(x) for x in out)
    return [
        ("import fpdf2", fp),
        ("import store + report modules, open the store", imp),
        ("report data (read check-ins, analyse)", data),
        (f"draw the PDF ({pages:.0f} pages)", draw),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="habit-report-bench-"))
    home = work / "home"
    build(home / "habit.db", 50, 1, TODAY)
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**base, "HABIT_HOME": str(home), "HABIT_NOW": f"{TODAY.isoformat()}T12:00:00"}
    out = work / "report.pdf"
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"], None),
        ("habit report --period month (50 habits x 1 year)", [HABIT, "report", "-p", "month", "-o", str(out)], BUDGET),
        ("habit report --period week (50 habits x 1 year)", [HABIT, "report", "-o", str(out)], BUDGET),
        ("habit report --period month --json", [HABIT, "report", "-p", "month", "--json"], BUDGET),
    ]
    print("| command | median | p90 | max | budget |")
    print("|---|---|---|---|---|")
    for label, cmd, budget in rows:
        times = wall(cmd, env, args.runs)
        med = statistics.median(times)
        p90 = times[max(0, int(len(times) * 0.9) - 1)]
        verdict = "" if budget is None else f"{budget * 1000:.0f} ms " + ("ok" if med <= budget else "OVER")
        print(f"| {label} | {med * 1000:.0f} ms | {p90 * 1000:.0f} ms | {times[-1] * 1000:.0f} ms | {verdict} |")
    print()
    print("| inside one monthly report | time |")
    print("|---|---|")
    for label, seconds in breakdown(home):
        print(f"| {label} | {seconds * 1000:.0f} ms |")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
