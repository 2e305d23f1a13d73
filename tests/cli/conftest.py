"""The ``habit`` fixture: the real command against this test's own data directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.habit_cli import HABIT, Result, assert_clean_error, run_habit

__all__ = ["HABIT", "Result", "Runner", "assert_clean_error"]

Runner = Callable[..., Result]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def habit(home: Path) -> Runner:
    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 30) -> Result:
        return run_habit(home, *args, env=env, stdin=stdin, timeout=timeout)

    return run
