"""Entry point of the ``habit`` command: commands are registered by importing their modules."""

from __future__ import annotations

import importlib
import os
import sys

import typer

from habit_tui.cli.app import app
from habit_tui.errors import HabitError
from sync_protocol.domain.errors import DomainError


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        _open_tui()


@app.command("tui")
def tui() -> None:
    """Open the full-screen app."""
    _open_tui()


def _open_tui() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise HabitError("the full-screen app needs a terminal; see 'habit --help' for one-shot commands")
    try:
        from habit_tui.tui.launch import run
    except ImportError:
        raise HabitError("the full-screen app is not available in this build") from None
    run()


# Which module registers each command. A one-shot command imports and builds only its own
# module (typer builds every registered command on each run: ~15 ms saved on `habit done`);
# help, completion and anything unknown register them all.
COMMAND_MODULES = {
    **dict.fromkeys(("add", "edit", "archive", "unarchive", "delete"), "habit_cmds"),
    **dict.fromkeys(("done", "skip", "undo", "note"), "checkin_cmds"),
    **dict.fromkeys(("list", "show", "today", "stats"), "view_cmds"),
    **dict.fromkeys(("export", "import"), "transfer_cmds"),
    **dict.fromkeys(("report", "coach"), "report_cmds"),
}


def register_commands(argv: list[str]) -> None:
    first = next((a for a in argv[1:] if not a.startswith("-")), None)
    wanted = COMMAND_MODULES.get(first or "")
    everything = wanted is None or any(k.endswith("_COMPLETE") for k in os.environ)
    for module in dict.fromkeys(COMMAND_MODULES.values()) if everything else [wanted]:
        importlib.import_module(f"habit_tui.cli.{module}")


def main() -> None:
    register_commands(sys.argv)
    try:
        app()
    except (HabitError, DomainError) as exc:
        sys.stderr.write(f"habit: error: {exc}\n")
        raise SystemExit(exc.exit_code if isinstance(exc, HabitError) else 1) from None
    except KeyboardInterrupt:
        sys.stderr.write("habit: interrupted\n")
        raise SystemExit(130) from None
    except BrokenPipeError:
        raise SystemExit(0) from None
    except Exception as exc:
        if os.environ.get("HABIT_DEBUG"):
            raise
        sys.stderr.write(f"habit: internal error: {type(exc).__name__}: {exc} (set HABIT_DEBUG=1 for details)\n")
        raise SystemExit(1) from None
