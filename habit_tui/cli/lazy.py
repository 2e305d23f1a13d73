"""Commands load on demand: ``habit done`` imports only ``habit_tui/cli/commands/done.py``.

Every module in :mod:`habit_tui.cli.commands` holds one command, named after the module
(``import_`` is ``import``). The group lists them from the package's directory without
importing them, and imports one only when Click asks for it (help and completion ask for all).
"""

from __future__ import annotations

import difflib
import importlib
import os
from functools import cache

import click
import typer
from typer.core import TyperGroup

from habit_tui.cli import commands

MODULE_ATTRIBUTE = "app"
"""Each command module's one-command ``typer.Typer``."""


def _command_name(module: str) -> str:
    return module.rstrip("_").replace("_", "-")


@cache
def command_modules() -> dict[str, str]:
    """Command name -> module name, from the files of the commands package."""
    names = (e.name[:-3] for folder in commands.__path__ for e in os.scandir(folder) if e.name.endswith(".py"))
    return {_command_name(name): name for name in names if name.isidentifier() and not name.startswith("_")}


class LazyGroup(TyperGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *command_modules()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        module = command_modules().get(cmd_name)
        if module is None:
            return None
        loaded = importlib.import_module(f"{commands.__name__}.{module}")
        command = typer.main.get_command(getattr(loaded, MODULE_ATTRIBUTE))
        command.name = cmd_name
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            close = difflib.get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if not close or "Did you mean" in exc.message:
                raise
            hint = ", ".join(repr(c) for c in close)
            raise click.UsageError(f"{exc.message.rstrip('.')}. Did you mean {hint}?", ctx=exc.ctx) from None


def command_app() -> typer.Typer:
    """The ``typer.Typer`` a command module registers its one command on."""
    return typer.Typer(
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
