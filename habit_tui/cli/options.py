"""Arguments and options shared by several commands, defined once."""

from __future__ import annotations

from typing import Annotated

import typer

from sync_protocol.domain.schedule import SCHEDULE_EXAMPLES


def required_text(value: str | None, what: str) -> None:
    """A usage error (exit 2) when an option that must say something is given empty: ``--schedule ""``."""
    if value is not None and not value.strip():
        from habit_tui.errors import UsageError

        raise UsageError(f"{what} cannot be empty")


def complete_name(incomplete: str) -> list[str]:
    """Shell completion of habit names."""
    try:
        from habit_tui.cli.session import session
        from habit_tui.services.habits import habit_names

        with session(warn=False) as s:
            names = list(habit_names(s).values())
    except Exception:
        return []
    folded = incomplete.casefold()
    return [n for n in names if n.casefold().startswith(folded)]


NameArg = Annotated[str, typer.Argument(help="Habit name, unique prefix, or id.", autocompletion=complete_name)]
DateOpt = Annotated[
    str | None, typer.Option("--date", "-D", help="YYYY-MM-DD, today, yesterday or -N (days ago). Default: today.")
]
NoteOpt = Annotated[str | None, typer.Option("--note", "-n", help="A note for that day.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead (for scripts).")]
ScheduleOpt = Annotated[
    str | None,
    typer.Option("--schedule", "-s", help=" | ".join(SCHEDULE_EXAMPLES)),
]
TargetOpt = Annotated[float | None, typer.Option("--target", "-t", help="Measurable goal per day, e.g. 8.")]
UnitOpt = Annotated[str | None, typer.Option("--unit", "-u", help="Unit of a measurable habit, e.g. glasses.")]
DescriptionOpt = Annotated[str | None, typer.Option("--description", "-d", help="A longer description.")]
TagsOpt = Annotated[str | None, typer.Option("--tags", help="Comma-separated tags, e.g. health,morning.")]
ColorOpt = Annotated[str | None, typer.Option("--color", help="#rrggbb or a colour name.")]
ServerOpt = Annotated[
    str | None, typer.Option("--server", help="The sync server, e.g. http://127.0.0.1:8000 (default: server_url).")
]
UsernameOpt = Annotated[str | None, typer.Option("--username", "-u", help="Your username (asked when not given).")]
EmailOpt = Annotated[str | None, typer.Option("--email", help="Your email address (optional; asked when not given).")]
PasswordStdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin (for scripts).")
]
