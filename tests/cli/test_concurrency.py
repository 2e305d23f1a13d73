"""Two processes writing the same database at once: both succeed, nothing is corrupted."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

from tests.cli.conftest import HABIT, Runner

ENV = {"HABIT_NOW": "2026-11-24T09:00:00"}


def test_racing_done_commands_all_land(habit: Runner, home: Path) -> None:
    for name in ("A", "B"):
        habit("add", name, env=ENV)
    env = {**os.environ, "HABIT_HOME": str(home), **ENV}
    procs = []
    for i in range(1, 11):
        for name in ("A", "B"):
            procs.append(
                subprocess.Popen(
                    [HABIT, "done", name, "--date", f"-{i}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
                )
            )
    results = [(p.wait(timeout=60), p.stderr.read().decode() if p.stderr else "") for p in procs]
    for p in procs:
        if p.stdout:
            p.stdout.close()
        if p.stderr:
            p.stderr.close()
    assert all(code == 0 for code, _ in results), results
    rows = {r["name"]: r for r in habit("list", "--json", env=ENV).json()}
    assert rows["A"]["total_done"] == 10
    assert rows["B"]["total_done"] == 10
    conn = sqlite3.connect(home / "habit.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    seqs = [s for (s,) in conn.execute("SELECT device_seq FROM events WHERE local = 1 ORDER BY device_seq")]
    assert seqs == list(range(1, len(seqs) + 1)), "device_seq must be gapless and unique"
    payloads = [json.loads(p) for (p,) in conn.execute("SELECT payload FROM events WHERE kind = 'checkin.set'")]
    assert len(payloads) == 20
    conn.close()
