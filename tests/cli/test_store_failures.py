"""Database failures surface as one clear error and never leave a half-made change."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest

from habit_tui.errors import StoreError
from habit_tui.services import checkins
from habit_tui.services import habits as svc
from habit_tui.services.context import open_session
from habit_tui.services.habits import HabitDraft
from habit_tui.settings import load_settings
from tests.cli.conftest import HABIT, Runner, assert_clean_error

TODAY = date(2026, 11, 24)
ENV = {"HABIT_NOW": "2026-11-24T09:00:00"}


def test_a_read_only_database_refuses_changes_and_keeps_its_data(tmp_path: Path) -> None:
    s = open_session(tmp_path / "habit.db", TODAY, load_settings({}, home=tmp_path))
    store = s.store
    habit = svc.add_habit(s, HabitDraft("Read"))
    checkins.check_in(s, habit, TODAY)
    store.conn.execute("PRAGMA query_only = ON")  # what SQLite does with a read-only file
    with pytest.raises(StoreError, match="read-only"):
        svc.add_habit(s, HabitDraft("Walk"))
    with pytest.raises(StoreError, match="read-only"):
        checkins.clear(s, habit, TODAY)
    assert [h.name for h in store.habits()] == ["Read"]
    assert len(store.checkins(habit.id)) == 1
    assert len(store.outbox()) == 2
    store.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
def test_a_read_only_file_for_the_user_running_habit(habit: Runner) -> None:
    """As another user, a database file they cannot write gives the read-only message."""
    home = Path(tempfile.mkdtemp(prefix="habit-ro-"))
    home.chmod(0o755)
    env = {**ENV, "HABIT_HOME": str(home)}
    assert habit("add", "Read", env=env).code == 0
    (home / "habit.db").chmod(0o644)
    probe = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", HABIT, "--help"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip("the unprivileged user cannot run this Python installation")
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", HABIT, "done", "Read"]
    r = subprocess.run(cmd, capture_output=True, text=True, env={**env, "PATH": os.environ["PATH"]}, check=False)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert len(r.stderr.splitlines()) == 1
    assert "read-only" in r.stderr, r.stderr
    assert habit("list", "--json", env=env).json()[0]["done_today"] is False
    shutil.rmtree(home)


def test_data_directory_that_cannot_be_created(habit: Runner, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = habit("list", env={**ENV, "HABIT_HOME": str(blocker / "sub")})
    assert_clean_error(r)
    assert "Not a directory" in r.err or "cannot create the data directory" in r.err
