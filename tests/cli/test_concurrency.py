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


def test_racing_archives_and_deletes_all_land(habit: Runner, home: Path) -> None:
    """Archive, unarchive, delete, done and add racing on one database: every change is kept, once.

    Each command's event takes the next ``device_seq`` and changes the tables in one transaction
    (``Store.record``); without it two racing writers take the same number and one change is lost
    while both commands say they made it.
    """
    names = [f"H{i}" for i in range(12)]
    for name in names:
        assert habit("add", name, env=ENV).code == 0
    env = {**os.environ, "HABIT_HOME": str(home), **ENV}
    commands = [["archive", n] for n in names[:6]]
    commands += [["delete", n, "--yes"] for n in names[6:10]]
    commands += [["done", n] for n in names[10:]]
    commands += [["add", f"New{i}"] for i in range(4)]
    procs = [
        subprocess.Popen([HABIT, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for args in commands
    ]
    results = []
    for p in procs:
        _, err = p.communicate(timeout=60)
        results.append((p.returncode, err.decode()))
    assert all(code == 0 for code, _ in results), results
    rows = {r["name"]: r for r in habit("list", "--all", "--json", env=ENV).json()}
    assert sorted(rows) == sorted([*names[:6], *names[10:], *(f"New{i}" for i in range(4))])
    assert all(rows[n]["archived"] for n in names[:6])
    assert all(rows[n]["done_today"] for n in names[10:])
    conn = sqlite3.connect(home / "habit.db")
    seqs = [s for (s,) in conn.execute("SELECT device_seq FROM events WHERE local = 1 ORDER BY device_seq")]
    assert seqs == list(range(1, len(seqs) + 1)), "device_seq must be gapless and unique"
    kinds = dict(conn.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall())
    assert (kinds["habit.archive"], kinds["habit.delete"], kinds["habit.create"]) == (6, 4, 16)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
