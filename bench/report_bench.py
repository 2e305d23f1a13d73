"""Wall time of ``habit report``: a monthly PDF of 50 habits x 1 year, start-up included (budget 1 s);
and what one long-lived process (the server's delivery worker) spends per weekly report once warm.

Run: ``uv run python bench/report_bench.py [--runs 10] [--reports 30]``. Prints Markdown tables for
BENCHMARKS.md: the commands (with ``python -c pass`` as the baseline), where the time goes inside
one ``habit report`` process (imports, data, drawing), and the warm per-report build and render
times (median, p90) with the reports a second one process makes (budget: 40 ms a report).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fixtures import build

TODAY = date(2026, 11, 24)
HABIT = str(Path(sys.executable).with_name("habit"))
BUDGET = 1.0
WARM_BUDGET = 0.040
"""Build and render of one weekly report in a warm process: 20 reports a second on two cores, with room."""
WARM_UP = 5


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


WARM = """
import json, sys, time
from datetime import date
from pathlib import Path
from habit_tui.services.context import open_session
from habit_tui.settings import load_settings
from sync_protocol.report.data import build_report
from sync_protocol.report.pdf import render_pdf
home, today, day = Path(sys.argv[1]), date.fromisoformat(sys.argv[2]), date.fromisoformat(sys.argv[3])
reports, warm_up = int(sys.argv[4]), int(sys.argv[5])
s = open_session(home / "habit.db", today, load_settings({}, home=home))
habits, checkins = s.store.habits(), s.store.all_checkins()  # what the worker holds once it has read the user
builds, renders, cpu = [], [], []
t0 = time.perf_counter()
for i in range(warm_up + reports):
    if i == warm_up:
        t0 = time.perf_counter()
    a, cpu_a = time.perf_counter(), time.process_time()
    report = build_report(habits, checkins, "week", day, today=today)
    b = time.perf_counter()
    pdf = render_pdf(report)
    c = time.perf_counter()
    builds.append(b - a)
    renders.append(c - b)
    cpu.append(time.process_time() - cpu_a)
elapsed = time.perf_counter() - t0
print(json.dumps({"first": [builds[0], renders[0]], "build": builds[warm_up:], "render": renders[warm_up:],
                  "cpu": cpu[warm_up:], "elapsed": elapsed, "habits": len(habits)}))
"""


def warm(home: Path, day: date, reports: int) -> dict[str, Any]:
    """Weekly reports of the week holding ``day``, built and drawn one after another in one fresh process."""
    args = [str(home), TODAY.isoformat(), day.isoformat(), str(reports), str(WARM_UP)]
    out = subprocess.run([sys.executable, "-c", WARM, *args], check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.9) - 1)]


def print_warm(home: Path, reports: int) -> None:
    print()
    print(
        f"| one process, weekly report of 50 habits x 1 year ({reports} after {WARM_UP} to warm up) "
        "| build median / p90 | render median / p90 | build + render median / p90 | CPU median | reports/s | budget |"
    )
    print("|---|---|---|---|---|---|---|")
    firsts = []
    for label, day in (("the week so far (Tuesday)", TODAY), ("last week, complete", TODAY - timedelta(days=7))):
        r = warm(home, day, reports)
        total = [b + d for b, d in zip(r["build"], r["render"], strict=True)]
        med = statistics.median(total)
        cells = [
            f"{statistics.median(xs) * 1000:.1f} / {_p90(xs) * 1000:.1f} ms" for xs in (r["build"], r["render"], total)
        ]
        cells.append(f"{statistics.median(r['cpu']) * 1000:.1f} ms")
        verdict = f"{WARM_BUDGET * 1000:.0f} ms " + ("ok" if med <= WARM_BUDGET else "OVER")
        print(f"| {label} | {' | '.join(cells)} | {reports / r['elapsed']:.1f} | {verdict} |")
        firsts.append((label, r["first"]))
    for label, first in firsts:
        cells = [f"{seconds * 1000:.0f} ms" for seconds in (*first, sum(first))]
        print(f"| first report of a fresh process, {label} (fpdf2 imported, fonts read) | {' | '.join(cells)} | | | |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--reports", type=int, default=30)
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
    print_warm(home, args.reports)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
