"""The ``habit`` command group: no command opens the full-screen app; commands load lazily."""

from __future__ import annotations

from typing import Annotated

import typer

from habit_tui.cli.lazy import LazyGroup

app = typer.Typer(
    name="habit",
    cls=LazyGroup,
    help="Track habits from the terminal. Run with no command to open the full-screen app.",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        typer.echo(f"habit {version('habit-tracker')}")
        raise typer.Exit


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_show_version)
    ] = False,
) -> None:
    if ctx.invoked_subcommand is None:
        from habit_tui.cli.fullscreen import open_app

        open_app()
