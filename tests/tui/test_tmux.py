"""The real `habit` command in a real terminal (tmux): keys in, screen out, store checked by the CLI."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TMUX = shutil.which("tmux")


def _habit() -> str:
    local = Path(sys.executable).parent / "habit"
    found = str(local) if local.exists() else shutil.which("habit")
    if found is None:
        pytest.fail("the habit command is not installed (run uv sync)")
    return found


class Terminal:
    def __init__(self, name: str) -> None:
        self.name = name

    def keys(self, *keys: str, literal: bool = False) -> None:
        assert TMUX is not None
        subprocess.run([TMUX, "send-keys", "-t", self.name, *(["-l"] if literal else []), *keys], check=True)

    def screen(self) -> str:
        assert TMUX is not None
        out = subprocess.run([TMUX, "capture-pane", "-p", "-t", self.name], capture_output=True, text=True, check=False)
        return out.stdout

    def wait_for(self, text: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"'{text}' never appeared; the screen was:\n{self.screen()}")

    def alive(self) -> bool:
        assert TMUX is not None
        return subprocess.run([TMUX, "has-session", "-t", self.name], capture_output=True, check=False).returncode == 0


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    if TMUX is None:
        pytest.skip("tmux is not installed: cannot drive the real terminal app")
    home = tmp_path / "home"
    name = f"habit-tui-test-{os.getpid()}"
    command = f"env HABIT_HOME={shlex.quote(str(home))} {shlex.quote(_habit())}"
    subprocess.run([TMUX, "new-session", "-d", "-s", name, "-x", "120", "-y", "40", command], check=True)
    try:
        yield Terminal(name), home
    finally:
        subprocess.run([TMUX, "kill-session", "-t", name], capture_output=True, check=False)


def test_new_user_adds_checks_in_and_quits(terminal: tuple[Terminal, Path]) -> None:
    term, home = terminal
    term.wait_for("No habits yet")
    term.keys("a")
    term.wait_for("New habit")
    term.keys("Stretch", literal=True)
    term.keys("C-s")
    screen = term.wait_for("Added 'Stretch'")
    assert "Stretch" in screen
    term.keys("Space")
    term.wait_for("1/1 done today")
    term.keys("h", "Space")
    term.wait_for("2 d")
    term.keys("q")
    deadline = time.monotonic() + 10
    while term.alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not term.alive(), "q did not quit the app"
    out = subprocess.run(
        [_habit(), "list", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "HABIT_HOME": str(home)},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    [habit] = json.loads(out.stdout)
    assert (habit["name"], habit["done_today"], habit["current_streak"]) == ("Stretch", True, 2)
