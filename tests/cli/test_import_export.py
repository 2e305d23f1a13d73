"""Moving history in and out: our JSON and CSV, Loop Habit Tracker's export, broken files."""

from __future__ import annotations

import os
import threading
import zipfile
from pathlib import Path

import pytest

from tests.cli import loop_exports as loop
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


@pytest.mark.parametrize("shape", ["zip", "folder", "habits-csv"])
def test_loop_habit_tracker_export(habit: Runner, tmp_path: Path, shape: str) -> None:
    root = loop.write(tmp_path / "loop", loop.current_export())
    if shape == "zip":
        target = loop.zipped(root, tmp_path / "Loop Habits CSV 2026-11-24.zip")
    elif shape == "folder":
        target = root
    else:
        target = root / "Habits.csv"
    r = habit("import", str(target), "--json", env=ENV)
    assert r.code == 0, r.err
    assert r.json() == {"format": "loop", "created": 3, "merged": 0, "checkins": 7, "warnings": []}
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
    assert again == {"format": "loop", "created": 0, "merged": 3, "checkins": 0, "warnings": []}


def test_unknown_file_format(habit: Runner, tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_text("just some text\n")
    r = habit("import", str(f), env=ENV)
    assert_clean_error(r)
    assert "unknown format" in r.err


def _checkins(habit: Runner, name: str) -> list[tuple[str, float | None, bool, str]]:
    rows = habit("show", name, "--json", env=ENV).json()["checkins"]
    return [(c["date"], c["value"], c["skipped"], c["note"]) for c in rows]


def test_loop_export_before_2_3_with_a_numerical_habit(habit: Runner, tmp_path: Path) -> None:
    """No Type column: a habit whose values are Loop's thousandths is numerical."""
    files = {
        "Habits.csv": (
            f"{loop.OLD_HABITS_HEADER}\n"
            "001,Meditate,Did you meditate this morning?,,1,1,#FF8F00\n"
            "002,Steps,How many steps?,,1,1,#1976D2\n"
        ),
        "001 Meditate/Checkmarks.csv": "2026-11-23,2\n2026-11-22,0\n2026-11-21,3\n2026-11-20,1\n2026-11-19,-1\n",
        "001 Meditate/Scores.csv": "2026-11-23,0.0519\n",
        "002 Steps/Checkmarks.csv": "2026-11-23,63000\n2026-11-22,0\n2026-11-20,8500\n",
        "002 Steps/Scores.csv": "2026-11-23,0.0519\n",
        "Checkmarks.csv": "Date,Meditate,Steps,\n2026-11-23,2,63000,\n2026-11-22,0,0,\n",
        "Scores.csv": "Date,Meditate,Steps,\n2026-11-23,0.0519,0.0519,\n",
    }
    target = loop.zipped(loop.write(tmp_path / "loop", files), tmp_path / "Loop Habits CSV 2026-11-24.zip")
    r = habit("import", str(target), "--json", env=ENV)
    assert r.code == 0, r.err
    warning = (
        "'Steps': Loop's exports before 2.3.1 do not say a numerical habit's target or unit; set them with habit edit"
    )
    assert r.json() == {"format": "loop", "created": 2, "merged": 0, "checkins": 5, "warnings": [warning]}
    assert r.err == f"habit: warning: {warning}\n"
    rows = {h["name"]: h for h in habit("list", "--json", env=ENV).json()}
    assert (rows["Meditate"]["kind"], rows["Steps"]["kind"]) == ("yes_no", "measurable")
    assert _checkins(habit, "Steps") == [
        ("2026-11-20", 8.5, False, ""),
        ("2026-11-22", 0.0, False, ""),
        ("2026-11-23", 63.0, False, ""),
    ]
    assert _checkins(habit, "Meditate") == [("2026-11-21", None, True, ""), ("2026-11-23", 1.0, False, "")]


def test_loop_numerical_zero_is_written_as_no(habit: Runner, tmp_path: Path) -> None:
    files = loop.current_export()
    files["002 Push ups/Checkmarks.csv"] = "Date,Value,Notes\n2026-11-23,25000,\n2026-11-22,NO,\n2026-11-21,SKIP,ill\n"
    r = habit("import", str(loop.write(tmp_path / "loop", files)), env=ENV)
    assert r.code == 0, r.err
    assert _checkins(habit, "Push ups") == [
        ("2026-11-21", None, True, "ill"),
        ("2026-11-22", 0.0, False, ""),
        ("2026-11-23", 25.0, False, ""),
    ]


@pytest.mark.parametrize("version", ["current", "before-2.3"])
def test_loop_folder_with_only_the_root_files(habit: Runner, tmp_path: Path, version: str) -> None:
    """Habits.csv and the root Checkmarks.csv (a column per habit) are enough to import every day."""
    if version == "current":
        full = loop.current_export()
        files = {"Habits.csv": full["Habits.csv"], "Checkmarks.csv": full["Checkmarks.csv"]}
        warnings = []
    else:
        warnings = [
            f"'{name}': Loop's exports before 2.3.1 do not say a numerical habit's target or unit; "
            "set them with habit edit"
            for name in ("Push ups", "Coffee")
        ]
        files = {
            "Habits.csv": (
                f"{loop.OLD_HABITS_HEADER}\n"
                "001,Meditate,,,1,1,#388E3C\n002,Push ups,,,3,7,#1976D2\n003,Coffee,,,1,1,#5D4037\n"
            ),
            "Checkmarks.csv": (
                "Date,Meditate,Push ups,Coffee,\n2026-11-23,2,25000,3000,\n2026-11-22,2,-1,-1,\n"
                "2026-11-21,3,-1,-1,\n2026-11-20,1,10000,-1,\n2026-11-19,0,-1,-1,\n2026-11-18,2,-1,-1,\n"
            ),
        }
    r = habit("import", str(loop.write(tmp_path / "loop", files)), "--json", env=ENV)
    assert r.code == 0, r.err
    assert r.json() == {"format": "loop", "created": 3, "merged": 0, "checkins": 7, "warnings": warnings}
    assert [(d, v, s) for d, v, s, _ in _checkins(habit, "Meditate")] == [
        ("2026-11-18", 1.0, False),
        ("2026-11-21", None, True),
        ("2026-11-22", 1.0, False),
        ("2026-11-23", 1.0, False),
    ]
    assert [(d, v) for d, v, _, _ in _checkins(habit, "Push ups")] == [("2026-11-20", 10.0), ("2026-11-23", 25.0)]
    assert [(d, v) for d, v, _, _ in _checkins(habit, "Coffee")] == [("2026-11-23", 3.0)]


def test_loop_habits_csv_alone_imports_the_habits_and_says_it_holds_no_checkins(habit: Runner, tmp_path: Path) -> None:
    files = {"Habits.csv": loop.current_export()["Habits.csv"]}
    r = habit("import", str(loop.write(tmp_path / "loop", files) / "Habits.csv"))
    assert r.code == 0, r.err
    said = r.err.splitlines()
    assert said == [
        f"habit: warning: '{name}': the export holds no check-ins for it" for name in ("Meditate", "Push ups", "Coffee")
    ]
    assert "3 new habits" in r.out


def test_loop_notes_on_days_not_done_are_kept(habit: Runner, tmp_path: Path) -> None:
    files = loop.current_export()
    files["001 Meditate/Checkmarks.csv"] = (
        "Date,Value,Notes\n2026-11-23,YES_MANUAL,calm\n2026-11-22,YES_AUTO,rest day\n"
        '2026-11-21,NO,"Sick, stayed in"\n2026-11-20,UNKNOWN,"""forgot"" to log"\n2026-11-19,NO,\n'
    )
    r = habit("import", str(loop.write(tmp_path / "loop", files)), env=ENV)
    assert r.code == 0, r.err
    assert _checkins(habit, "Meditate") == [
        ("2026-11-20", 0.0, False, '"forgot" to log'),
        ("2026-11-21", 0.0, False, "Sick, stayed in"),
        ("2026-11-22", 0.0, False, "rest day"),
        ("2026-11-23", 1.0, False, "calm"),
    ]
    # A day with only a note is not done: the streak is the one day done.
    assert habit("list", "--json", env=ENV).json()[0]["current_streak"] == 1


def _feed_forever(fifo: Path, chunk: bytes) -> threading.Thread:
    """A writer that fills ``fifo`` until its reader goes away."""

    def write() -> None:
        try:
            with fifo.open("wb") as f:
                while True:
                    f.write(chunk)
        except (BrokenPipeError, OSError):
            return

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("source", ["dev-zero", "endless-fifo"])
def test_an_endless_file_is_refused_within_the_size_limit(habit: Runner, tmp_path: Path, source: str) -> None:
    if source == "dev-zero":
        target = Path("/dev/zero")
    else:
        target = tmp_path / "endless"
        os.mkfifo(target)
        writer = _feed_forever(target, b'{"format": "habit-export", "habits": [' + b" " * 65536)
    r = habit("import", str(target), env=ENV, timeout=120)
    assert_clean_error(r)
    assert ("larger than 200 MiB" if source == "endless-fifo" else "not a text file") in r.err
    assert habit("list", "--all", "--json", env=ENV).json() == []
    if source == "endless-fifo":
        writer.join(timeout=10)


def test_a_zip_member_too_large_when_unpacked_is_refused(habit: Runner, tmp_path: Path) -> None:
    """A zip bomb: a small zip whose Checkmarks.csv unpacks to more than the import's limit."""
    files = loop.current_export()
    del files["001 Meditate/Checkmarks.csv"]
    target = loop.zipped(loop.write(tmp_path / "loop", files), tmp_path / "Loop Habits CSV 2026-11-24.zip")
    line = b"2026-11-23,YES_MANUAL,\n" * 4096
    with (
        zipfile.ZipFile(target, "a", compression=zipfile.ZIP_DEFLATED) as zf,
        zf.open("001 Meditate/Checkmarks.csv", "w", force_zip64=True) as member,
    ):
        member.write(b"Date,Value,Notes\n")
        for _ in range(201 * 1024 * 1024 // len(line) + 1):
            member.write(line)
    assert target.stat().st_size < 2 * 1024 * 1024
    r = habit("import", str(target), env=ENV)
    assert_clean_error(r)
    assert "larger than 200 MiB" in r.err
    assert habit("list", "--all", "--json", env=ENV).json() == []


@pytest.mark.parametrize("fmt", ["json", "loop"])
def test_check_ins_in_the_future_are_refused_as_with_date(habit: Runner, tmp_path: Path, fmt: str) -> None:
    if fmt == "json":
        target = tmp_path / "future.json"
        target.write_text(
            '{"format": "habit-export", "version": 1, "habits": [{"name": "Read", "checkins": ['
            '{"date": "2026-11-24", "value": 1}, {"date": "2026-11-25", "value": 1}]}]}'
        )
    else:
        files = loop.current_export()
        files["002 Push ups/Checkmarks.csv"] = "Date,Value,Notes\n2026-11-30,25000,\n2026-11-23,25000,\n"
        target = loop.write(tmp_path / "loop", files)
    r = habit("import", str(target), env=ENV)
    assert_clean_error(r)
    assert "is in the future (today is 2026-11-24)" in r.err
    assert habit("list", "--all", "--json", env=ENV).json() == []
    # The same words as `habit done --date` uses for the same day.
    habit("add", "Read", env=ENV)
    done = habit("done", "Read", "--date", "2026-11-25", env=ENV)
    assert "2026-11-25 is in the future (today is 2026-11-24)" in done.err


def test_loop_frequencies_become_the_same_schedules(habit: Runner, tmp_path: Path) -> None:
    """Loop's "N times in M days" keeps its numbers: 2 per 3 days is `2 in 3 days`, not a weekly rate."""
    header = loop.CURRENT_HABITS_HEADER
    rows = [
        ("Meditate", 1, 1),
        ("Wake up early", 2, 3),
        ("Gym", 3, 7),
        ("Call mum", 1, 3),
        ("Library", 10, 30),
        ("Swim", 5, 14),
    ]
    lines = [f"{i:03d},{name},YES_NO,,,{num},{den},#00897B,,,,false" for i, (name, num, den) in enumerate(rows, 1)]
    files = {"Habits.csv": "\n".join([header, *lines]) + "\n"}
    files.update({f"{i:03d} {name}/Checkmarks.csv": "Date,Value,Notes\n" for i, (name, _, _) in enumerate(rows, 1)})
    r = habit("import", str(loop.write(tmp_path / "loop", files)), env=ENV)
    assert r.code == 0, r.err
    schedules = {h["name"]: h["schedule"] for h in habit("list", "--json", env=ENV).json()}
    assert schedules == {
        "Meditate": "daily",
        "Wake up early": "2 in 3 days",
        "Gym": "3/week",
        "Call mum": "every 3 days",
        "Library": "10/month",
        "Swim": "5 in 14 days",
    }
