"""Run the real ``habit`` command against a throwaway data directory, seeded through ``habit import``."""

from __future__ import annotations

import json
from pathlib import Path

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.fields import habit_to_fields
from sync_protocol.domain.habit import Habit
from tests.habit_cli import Result, assert_clean_error
from tests.habit_cli import run_habit as _run

__all__ = ["Result", "assert_one_line_error", "run_habit", "seed"]


def run_habit(home: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
    """``habit ARGS`` without colours (reports and the coach print plain text)."""
    return _run(home, *args, env={"NO_COLOR": "1", **(env or {})}, cwd=cwd)


def export_document(habits: list[Habit], checkins: dict[str, list[CheckIn]]) -> str:
    """Habits and check-ins as a ``habit export --format json`` document."""
    return json.dumps(
        {
            "format": "habit-export",
            "version": 1,
            "exported_at": "2025-11-24T09:00:00+00:00",
            "habits": [
                {
                    "id": _uuid(i),
                    **habit_to_fields(h),
                    "checkins": [
                        {"date": c.date.isoformat(), "value": c.value, "skipped": c.skipped, "note": c.note}
                        for c in checkins.get(h.id, [])
                    ],
                }
                for i, h in enumerate(habits)
            ],
        },
        ensure_ascii=False,
    )


def seed(home: Path, habits: list[Habit], checkins: dict[str, list[CheckIn]], now: str) -> None:
    """Load habits into ``home`` with the real ``habit import``."""
    home.mkdir(parents=True, exist_ok=True)
    source = home / "seed.json"
    source.write_text(export_document(habits, checkins), encoding="utf-8")
    result = run_habit(home, "import", str(source), env={"HABIT_NOW": now})
    assert result.code == 0, result.err


def assert_one_line_error(result: Result, text: str) -> None:
    assert_clean_error(result, 1)
    assert text in result.err


def _uuid(i: int) -> str:
    return f"0190a000-0000-7000-8000-{i:012d}"
