"""Commands load lazily: each lives in its own module, found by name, and a run imports only its own."""

from __future__ import annotations

import subprocess
import sys

from tests.cli.conftest import Runner


def test_every_command_module_is_listed_and_runs_alone(habit: Runner) -> None:
    from habit_tui.cli.lazy import command_modules

    help_text = habit("--help").out
    listed = [line.split()[0] for line in help_text.split("Commands:")[1].splitlines() if line.strip()]
    assert set(listed) == set(command_modules())
    assert {"add", "done", "list", "import", "tui"} <= set(listed)
    for command in listed:
        r = habit(command, "--help")
        assert r.code == 0, (command, r.err)
        assert "Usage: habit " + command in " ".join(r.out.split())


def test_a_command_imports_only_its_own_module(tmp_path: object) -> None:
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith('habit_tui.cli.commands.'))))\n"
        "sys.argv = ['habit', 'done', '--help']\n"
        "from habit_tui.cli.main import main\n"
        "main()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False).stdout
    assert out.strip().splitlines()[-1] == "['habit_tui.cli.commands.done']"


def test_an_unknown_command_suggests_a_near_one(habit: Runner) -> None:
    r = habit("dnoe")
    assert r.code == 2
    assert "Did you mean" in r.err and "'done'" in r.err
