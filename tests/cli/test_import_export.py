"""Moving history in and out: our JSON and CSV, Loop Habit Tracker's export, broken files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.cli.conftest import Runner, assert_clean_error

ENV = {"HABIT_NOW": "2026-11-24T09:00:00"}


@pytest.fixture
def seeded(habit: Runner) -> Runner:
    habit("add", "Read", "--description", "20 pages", "--tags", "mind,evening", env=ENV)
    habit("add", "Water", "--target", "8", "--unit", "glasses", env=ENV)
    habit("add", "Gym", "-s", "mon,wed,fri", "--color", "#ff8800", env=ENV)
    habit("add", "Smoking", "--at-most", "--unit", "cigarettes", env=ENV)
    habit("add", "Old", env=ENV)
    habit("archive", "Old", env=ENV)
    for d in ("-1", "-2", "-3", "today"):
        habit("done", "Read", "--date", d, env=ENV)
    habit("done", "Water", "--value", "6.5", "--note", 'with "quotes", commas\nand a newline', env=ENV)
    habit("skip", "Gym", "--date", "-1", "--note", "sick", env=ENV)
    habit("done", "Smoking", "--value", "1", "--date", "-2", env=ENV)
    return habit


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_into_a_fresh_home_is_identical(
    seeded: Runner, habit: Runner, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"export.{fmt}"
    assert seeded("export", "--format", fmt, "--out", str(out), env=ENV).code == 0
    original = seeded("list", "--all", "--json", env=ENV).json()
    fresh = {**ENV, "HABIT_HOME": str(tmp_path / "fresh")}
    r = habit("import", str(out), env=fresh)
    assert r.code == 0, r.err
    assert habit("list", "--all", "--json", env=fresh).json() == original
    for name in ("Water", "Gym"):
        assert habit("show", name, "--json", env=fresh).json() == seeded("show", name, "--json", env=ENV).json()
    again = habit("import", str(out), "--json", env=fresh).json()
    assert again["created"] == 0 and again["checkins"] == 0


def test_non_utf8_and_truncated_files_change_nothing(seeded: Runner, tmp_path: Path) -> None:
    before = seeded("list", "--all", "--json", env=ENV).json()
    good = seeded("export", env=ENV).out
    bad = tmp_path / "latin1.json"
    bad.write_bytes(good.encode("utf-8").replace(b"Read", b"R\xe9ad"))
    r = seeded("import", str(bad), env=ENV)
    assert_clean_error(r)
    assert "not UTF-8" in r.err
    cut = tmp_path / "cut.json"
    cut.write_text(good[: len(good) // 2])
    r = seeded("import", str(cut), env=ENV)
    assert_clean_error(r)
    assert "truncated" in r.err
    csv_text = seeded("export", "--format", "csv", env=ENV).out
    cut_csv = tmp_path / "cut.csv"
    cut_csv.write_text(csv_text[: len(csv_text) - 25])
    r = seeded("import", str(cut_csv), env=ENV)
    assert_clean_error(r)
    assert "truncated" in r.err
    assert seeded("list", "--all", "--json", env=ENV).json() == before


def test_a_bad_row_late_in_a_file_leaves_nothing_half_imported(habit: Runner, tmp_path: Path) -> None:
    doc = (
        '{"format": "habit-export", "version": 1, "habits": ['
        '{"name": "Fine", "checkins": [{"date": "2026-11-01", "value": 1}]},'
        '{"name": "Broken", "checkins": [{"date": "2026-13-01", "value": 1}]}]}'
    )
    f = tmp_path / "bad.json"
    f.write_text(doc)
    r = habit("import", str(f), env=ENV)
    assert_clean_error(r)
    assert "habit #2" in r.err and "bad date" in r.err
    assert habit("list", "--all", "--json", env=ENV).json() == []


def _loop_export(root: Path) -> None:
    (root / "001 Meditate").mkdir(parents=True)
    (root / "002 Push ups").mkdir()
    (root / "003 Coffee").mkdir()
    (root / "Habits.csv").write_text(
        "Position,Name,Type,Question,Description,FrequencyNumerator,FrequencyDenominator,Color,Unit,"
        "Target Type,Target Value,Archived?\n"
        "001,Meditate,YES_NO,Did you meditate today?,,1,1,#388E3C,,,,false\n"
        "002,Push ups,NUMERICAL,How many push ups?,,3,7,#1976D2,reps,AT_LEAST,20.0,false\n"
        "003,Coffee,NUMERICAL,How many cups?,,1,1,#5D4037,cups,AT_MOST,2.0,true\n"
    )
    (root / "001 Meditate" / "Checkmarks.csv").write_text(
        "Date,Value,Notes\n2026-11-23,YES_MANUAL,calm\n2026-11-22,YES_MANUAL,\n2026-11-21,SKIP,\n"
        "2026-11-20,YES_AUTO,\n2026-11-19,NO,\n2026-11-18,YES_MANUAL,\n"
    )
    (root / "002 Push ups" / "Checkmarks.csv").write_text("Date,Value,Notes\n2026-11-23,25.0,\n2026-11-20,10.0,tired\n")
    (root / "003 Coffee" / "Checkmarks.csv").write_text("Date,Value,Notes\n2026-11-23,3.0,\n")


@pytest.mark.parametrize("shape", ["zip", "folder", "habits-csv"])
def test_loop_habit_tracker_export(habit: Runner, tmp_path: Path, shape: str) -> None:
    root = tmp_path / "loop"
    _loop_export(root)
    if shape == "zip":
        target = tmp_path / "Loop Habits CSV 2026-11-24.zip"
        with zipfile.ZipFile(target, "w") as zf:
            for f in sorted(root.rglob("*.csv")):
                zf.write(f, str(f.relative_to(root)))
    elif shape == "folder":
        target = root
    else:
        target = root / "Habits.csv"
    r = habit("import", str(target), "--json", env=ENV)
    assert r.code == 0, r.err
    assert r.json() == {"format": "loop", "created": 3, "merged": 0, "checkins": 7}
    rows = {h["name"]: h for h in habit("list", "--all", "--json", env=ENV).json()}
    assert rows["Meditate"]["schedule"] == "daily"
    assert rows["Meditate"]["current_streak"] == 2  # 22, 23 (21 skipped; today not over)
    assert rows["Meditate"]["color"] == "#388e3c"
    assert rows["Push ups"]["schedule"] == "3/week"
    assert rows["Push ups"]["kind"] == "measurable" and rows["Push ups"]["target"] == 20.0
    assert rows["Coffee"]["target_type"] == "at_most" and rows["Coffee"]["archived"] is True
    med = habit("show", "Meditate", "--json", env=ENV).json()
    assert [(c["date"], c["skipped"], c["note"]) for c in med["checkins"]] == [
        ("2026-11-18", False, ""),
        ("2026-11-21", True, ""),
        ("2026-11-22", False, ""),
        ("2026-11-23", False, "calm"),
    ]
    again = habit("import", str(target), "--json", env=ENV).json()
    assert again == {"format": "loop", "created": 0, "merged": 3, "checkins": 0}


def test_unknown_file_format(habit: Runner, tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("just some text\n")
    r = habit("import", str(f), env=ENV)
    assert_clean_error(r)
    assert "unknown format" in r.err
