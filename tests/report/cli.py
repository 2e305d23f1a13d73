"""Run the real ``habit`` command against a throwaway data directory, seeded through ``habit import``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.events import habit_to_fields
from sync_protocol.domain.habit import Habit

HABIT = str(Path(sys.executable).with_name("habit"))


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_habit(home: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("HABIT_", "OLLAMA_"))}
    full_env.update({"HABIT_HOME": str(home), "COLUMNS": "200", "NO_COLOR": "1"})
    full_env.update(env or {})
    proc = subprocess.run(
        [HABIT, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=60, check=False
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


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
    assert result.code == 1, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    assert lines[0].startswith("habit: error: "), result.err
    assert text in lines[0]


def _uuid(i: int) -> str:
    return f"0190a000-0000-7000-8000-{i:012d}"
