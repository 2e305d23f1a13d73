"""The lazy command registration must know every command, or that command would vanish."""

from __future__ import annotations

from tests.cli.conftest import Runner


def test_every_command_is_in_the_lazy_map_and_runs_alone(habit: Runner) -> None:
    from habit_tui.cli.main import COMMAND_MODULES

    help_text = habit("--help").out
    listed = [line.split()[0] for line in help_text.split("Commands:")[1].splitlines() if line.strip()]
    assert set(listed) - {"tui"} == set(COMMAND_MODULES)
    for command in COMMAND_MODULES:
        r = habit(command, "--help")
        assert r.code == 0, (command, r.err)
        assert "Usage: habit " + command in " ".join(r.out.split())
