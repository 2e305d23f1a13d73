"""Run the real ``habit`` command in a subprocess against a throwaway data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HABIT = str(Path(sys.executable).with_name("habit"))
_SCRUBBED = ("HABIT_", "OLLAMA_", "NO_COLOR", "FORCE_COLOR")


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_habit(
    home: Path,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
    timeout: float = 60,
) -> Result:
    """``habit ARGS`` with ``HABIT_HOME=home``, none of the caller's habit, Ollama or colour settings, and ``env``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED)}
    full_env.update({"HABIT_HOME": str(home), "COLUMNS": "200"})
    full_env.update(env or {})
    proc = subprocess.run(
        [HABIT, *args], capture_output=True, text=True, env=full_env, cwd=cwd, input=stdin, timeout=timeout, check=False
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def assert_clean_error(r: Result, code: int = 1) -> None:
    """One clear line on stderr, the expected exit code, and no traceback."""
    assert r.code == code, (r.code, r.out, r.err)
    assert "Traceback" not in r.err and "Traceback" not in r.out
    lines = [line for line in r.err.splitlines() if line.strip()]
    assert lines, "expected a message on stderr"
    if code == 1:
        assert len(lines) == 1, r.err
        assert lines[0].startswith("habit: error: "), r.err
