"""Issue 11, item 19: the README's `uv run habit` is as quiet as the installed script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
def test_uv_run_habit_prints_only_what_habit_prints(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HABIT_", "UV_"))}
    env["HABIT_HOME"] = str(tmp_path)
    installed = subprocess.run(
        [str(Path(sys.executable).with_name("habit")), "--help"], capture_output=True, text=True, env=env, check=False
    )
    via_uv = subprocess.run(
        ["uv", "run", "habit", "--help"], capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=120
    )
    assert via_uv.returncode == installed.returncode == 0
    assert via_uv.stderr == "", via_uv.stderr
    assert via_uv.stdout == installed.stdout
