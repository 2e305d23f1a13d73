"""Every failure a user can cause: one line on stderr, exit 1 (usage 2), database unchanged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.cli.conftest import Runner, assert_clean_error

ENV = {"HABIT_NOW": "2026-11-24T09:00:00"}


@pytest.fixture
def seeded(habit: Runner) -> Runner:
    assert habit("add", "Reading", env=ENV).code == 0
    assert habit("add", "Running", env=ENV).code == 0
    assert habit("add", "Water", "--target", "8", "--unit", "glasses", env=ENV).code == 0
    assert habit("done", "Reading", env=ENV).code == 0
    assert habit("add", "Old", env=ENV).code == 0
    assert habit("archive", "Old", env=ENV).code == 0
    return habit


CASES = [
    (["done", "Swimming"], "no habit named 'Swimming'"),
    (["done", "Old"], "is archived"),
    (["done", "R"], "matches several habits"),
    (["add", "reading"], "already exists"),
    (["add", "Stretch", "--schedule", "twice a fortnight"], "bad schedule"),
    (["add", "Stretch", "--schedule", "9/week"], "between 1 and 7"),
    (["add", "Stretch", "--color", "rainbow!"], "bad colour"),
    (["done", "Reading", "--date", "2026-02-30"], "bad date"),
    (["done", "Reading", "--date", "next week"], "bad date"),
    (["done", "Reading", "--date", "2026-11-25"], "in the future"),
    (["done", "Water", "--value", "-3"], "cannot be negative"),
    (["done", "Reading", "--value", "3"], "yes/no habit"),
    (["undo", "Running"], "has no check-in"),
    (["edit", "Running", "--name", "Water"], "already exists"),
    (["import", "/nonexistent/file.json"], "no such file"),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_user_errors_are_one_clean_line_and_change_nothing(seeded: Runner, args: list[str], message: str) -> None:
    before = seeded("export", env=ENV).json()["habits"]
    r = seeded(*args, env=ENV)
    assert_clean_error(r, 1)
    assert message in r.err
    assert seeded("export", env=ENV).json()["habits"] == before


@pytest.mark.parametrize(
    "args",
    [["done"], ["delete", "Running"], ["edit", "Running"], ["list", "--bogus"], ["frobnicate"]],
    ids=["missing-name", "delete-without-yes", "edit-nothing", "unknown-option", "unknown-command"],
)
def test_usage_errors_exit_2(seeded: Runner, args: list[str]) -> None:
    r = seeded(*args, env=ENV)
    assert_clean_error(r, 2)
    assert [h["name"] for h in seeded("list", "--json", env=ENV).json()] == ["Reading", "Running", "Water"]


def test_corrupt_database_is_reported_not_crashed(habit: Runner, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "habit.db").write_bytes(b"this is not a database at all" * 100)
    r = habit("list", env=ENV)
    assert_clean_error(r)
    assert "damaged or not a habit database" in r.err


def test_locked_database_fails_cleanly_and_keeps_data(seeded: Runner, home: Path) -> None:
    holder = sqlite3.connect(home / "habit.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        r = seeded("done", "Running", env={**ENV, "HABIT_LOCK_TIMEOUT": "0.3"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_clean_error(r)
    assert "locked" in r.err
    rows = {h["name"]: h for h in seeded("list", "--json", env=ENV).json()}
    assert rows["Running"]["done_today"] is False
    assert rows["Reading"]["done_today"] is True


def test_bad_config_file(habit: Runner, home: Path) -> None:
    home.mkdir(parents=True)
    (home / "config.toml").write_text("day_starts_at = [oops\n")
    r = habit("list", env=ENV)
    assert_clean_error(r)
    assert "config.toml is not valid TOML" in r.err
    (home / "config.toml").write_text('day_starts_at = "25:00"\n')
    r = habit("list", env=ENV)
    assert_clean_error(r)
    assert "day_starts_at" in r.err


def test_unwritable_export_path(seeded: Runner, tmp_path: Path) -> None:
    r = seeded("export", "--out", str(tmp_path / "missing-dir" / "x.json"), env=ENV)
    assert_clean_error(r)
    assert "cannot write" in r.err
