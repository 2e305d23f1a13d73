"""``habit report`` as a user runs it: where the PDF goes, what it says, and clean errors."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from sync_protocol.domain.checkin import CheckIn
from tests.report.cli import assert_one_line_error, run_habit, seed
from tests.report.sample import done, large_history, make_habit

NOW = {"HABIT_NOW": "2025-11-24T09:00:00"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("report-cli") / "home"
    habits, checkins = large_history(12, date(2025, 1, 1), date(2025, 11, 23))
    seed(home, habits, checkins, NOW["HABIT_NOW"])
    return home


def test_monthly_report_is_written_to_the_current_directory(home: Path, tmp_path: Path) -> None:
    result = run_habit(home, "report", "--period", "month", "--date", "2025-10-12", env=NOW, cwd=tmp_path)
    assert result.code == 0, result.err
    target = tmp_path / "habit-report-month-2025-10-01.pdf"
    assert target.is_file()
    assert f"Report written to {target} (" in result.out
    assert "October 2025:" in result.out
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(target.read_bytes())).pages)
    for name in ("Read 20 pages", "Μελέτη ελληνικών", "Зарядка", "Journal ✍"):
        assert name in text
    assert "compared with September" in text


def test_same_data_same_bytes_and_explicit_out(home: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    for target in (first, second):
        result = run_habit(home, "report", "--date", "2025-11-12", "--out", str(target), env=NOW)
        assert result.code == 0, result.err
    assert first.read_bytes() == second.read_bytes()
    assert "Week 46, 2025" in result.out


def test_json_prints_the_report_data_and_writes_nothing(home: Path, tmp_path: Path) -> None:
    result = run_habit(home, "report", "--period", "month", "--json", env=NOW, cwd=tmp_path)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert (data["start"], data["as_of"]) == ("2025-11-01", "2025-11-24")
    assert len(data["habits"]) == 12
    assert 0 < data["summary"]["completion_rate"] <= 1
    assert list(tmp_path.iterdir()) == []


def test_bad_date_and_unwritable_out_are_one_line_errors(home: Path, tmp_path: Path) -> None:
    assert_one_line_error(run_habit(home, "report", "--date", "2025-13-40", env=NOW), "bad date '2025-13-40'")
    assert_one_line_error(run_habit(home, "report", "--date", "2026-01-01", env=NOW), "is in the future")
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a directory")
    result = run_habit(home, "report", "--out", str(blocker / "report.pdf"), env=NOW)
    assert_one_line_error(result, f"cannot write {blocker / 'report.pdf'}")
    assert_one_line_error(run_habit(home, "report", "--out", str(tmp_path), env=NOW), "is a directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


def test_unknown_period_is_a_usage_error(home: Path) -> None:
    result = run_habit(home, "report", "--period", "year", env=NOW)
    assert result.code == 2
    assert "'year' is not one of 'week', 'month'" in result.err


def test_a_report_in_chinese_and_russian_is_drawn_quietly(tmp_path: Path) -> None:
    home = tmp_path / "home"
    read = make_habit("读书 каждый день")
    run = make_habit("Run 🏃", position=1)
    checkins = {read.id: [CheckIn(date(2025, 11, 24), 1.0, note="好书 📚")], run.id: done(date(2025, 11, 23))}
    seed(home, [read, run], checkins, NOW["HABIT_NOW"])
    target = tmp_path / "report.pdf"
    result = run_habit(home, "report", "--out", str(target), env=NOW)
    assert result.code == 0, result.err
    assert result.err == ""
    assert ", 1 check-in.\n" in result.out and "(1 page)" in result.out, result.out  # counts agree in number
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(target.read_bytes())).pages)
    assert "读书 каждый день" in text.replace("\x00", "")  # pypdf reads a NUL before each CJK character
