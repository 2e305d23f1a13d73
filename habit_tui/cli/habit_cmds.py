"""Commands that create and change habits: add, edit, archive, unarchive, delete."""

from __future__ import annotations

from typing import Annotated

import typer

from habit_tui.cli.app import app
from habit_tui.cli.common import complete_name, find, session
from habit_tui.cli.output import emit_json, say
from habit_tui.errors import UsageError
from habit_tui.services import habits as svc
from habit_tui.services.views import habit_rows, row_json

NameArg = Annotated[str, typer.Argument(help="Habit name, unique prefix, or id.", autocompletion=complete_name)]
ScheduleOpt = Annotated[
    str | None,
    typer.Option("--schedule", "-s", help="daily | mon,wed,fri | 3/week | 10/month | 'every 3 days'"),
]
TargetOpt = Annotated[float | None, typer.Option("--target", "-t", help="Measurable goal per day, e.g. 8.")]
UnitOpt = Annotated[str | None, typer.Option("--unit", "-u", help="Unit of a measurable habit, e.g. glasses.")]
DescOpt = Annotated[str | None, typer.Option("--description", "-d", help="A longer description.")]
TagsOpt = Annotated[str | None, typer.Option("--tags", help="Comma-separated tags, e.g. health,morning.")]
ColorOpt = Annotated[str | None, typer.Option("--color", help="#rrggbb or a colour name.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the habit as JSON.")]


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="Name of the new habit.")],
    schedule: ScheduleOpt = None,
    target: TargetOpt = None,
    unit: UnitOpt = None,
    at_most: Annotated[bool, typer.Option("--at-most", help="The target is a limit (a habit to quit).")] = False,
    description: DescOpt = None,
    tags: TagsOpt = None,
    color: ColorOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Add a habit (yes/no, or measurable with --target/--unit)."""
    with session() as s:
        habit = svc.add_habit(
            s.store,
            s.today,
            name,
            schedule=schedule or "daily",
            target=target,
            unit=unit or "",
            at_most=at_most,
            description=description or "",
            tags=tags or "",
            color=color or "",
        )
        if json_:
            row = next(r for r in habit_rows(s.store, s.today, include_archived=True) if r.habit.id == habit.id)
            emit_json(row_json(row))
        else:
            say(f"Added '{habit.name}' ({habit.goal_text()}, {habit.schedule.describe()}).")


@app.command()
def edit(
    name: NameArg,
    new_name: Annotated[str | None, typer.Option("--name", "-n", help="Rename the habit.")] = None,
    schedule: ScheduleOpt = None,
    target: TargetOpt = None,
    unit: UnitOpt = None,
    at_most: Annotated[
        bool | None, typer.Option("--at-most/--at-least", help="Whether the target is a limit or a minimum.")
    ] = None,
    description: DescOpt = None,
    tags: TagsOpt = None,
    color: ColorOpt = None,
) -> None:
    """Change a habit's name, schedule, goal, description, tags or colour."""
    if all(v is None for v in (new_name, schedule, target, unit, at_most, description, tags, color)):
        raise UsageError("nothing to change: give at least one option (see 'habit edit --help')")
    with session() as s:
        habit = find(s, name)
        new = svc.edit_habit(
            s.store,
            habit,
            name=new_name,
            schedule=schedule,
            target=target,
            unit=unit,
            at_most=at_most,
            description=description,
            tags=tags,
            color=color,
        )
        if new == habit:
            say(f"'{habit.name}' is unchanged.")
        else:
            say(f"Updated '{new.name}' ({new.goal_text()}, {new.schedule.describe()}).")


@app.command()
def archive(name: NameArg) -> None:
    """Archive a habit: hidden from lists, history kept (undo with 'habit unarchive')."""
    with session() as s:
        habit = find(s, name)
        svc.archive_habit(s.store, habit)
        say(f"Archived '{habit.name}'.")


@app.command()
def unarchive(name: NameArg) -> None:
    """Bring an archived habit back."""
    with session() as s:
        habit = find(s, name)
        svc.archive_habit(s.store, habit, archived=False)
        say(f"Restored '{habit.name}'.")


@app.command()
def delete(
    name: NameArg,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Confirm: deleting removes the habit and its history.")
    ] = False,
) -> None:
    """Delete a habit and all its check-ins (needs --yes)."""
    with session() as s:
        habit = find(s, name)
        if not yes:
            raise UsageError(f"deleting '{habit.name}' removes its whole history; run again with --yes to confirm")
        svc.delete_habit(s.store, habit)
        say(f"Deleted '{habit.name}'.")
