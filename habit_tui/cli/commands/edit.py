"""``habit edit NAME``: change a habit's fields."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import (
    ColorOpt,
    DescriptionOpt,
    JsonOpt,
    NameArg,
    ScheduleOpt,
    TagsOpt,
    TargetOpt,
    UnitOpt,
    required_text,
)
from habit_tui.cli.output import output
from habit_tui.cli.session import find, session
from habit_tui.errors import UsageError
from habit_tui.services import habits as svc
from habit_tui.services.views import habit_row, row_json

app = command_app()


class KindChoice(StrEnum):
    yes_no = "yes_no"
    measurable = "measurable"


@app.command("edit")
def edit(
    name: NameArg,
    new_name: Annotated[str | None, typer.Option("--name", "-n", help="Rename the habit.")] = None,
    schedule: ScheduleOpt = None,
    target: TargetOpt = None,
    unit: UnitOpt = None,
    at_most: Annotated[
        bool | None, typer.Option("--at-most/--at-least", help="Whether the target is a limit or a minimum.")
    ] = None,
    kind: Annotated[
        KindChoice | None,
        typer.Option(
            "--kind",
            help="yes_no or measurable. A yes/no habit takes --target, --unit or --at-most "
            "only with --kind measurable.",
        ),
    ] = None,
    description: DescriptionOpt = None,
    tags: TagsOpt = None,
    color: ColorOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Change a habit's name, schedule, goal, description, tags or colour."""
    required_text(new_name, "a habit name")
    required_text(schedule, "--schedule")
    measurable = None if kind is None else kind is KindChoice.measurable
    draft = svc.HabitDraft(new_name, schedule, target, unit, at_most, description, tags, color, measurable)
    if draft.is_empty():
        raise UsageError("nothing to change: give at least one option (see 'habit edit --help')")
    with session() as s:
        habit = find(s, name)
        new = svc.edit_habit(s, habit, draft)
        said = (
            f"'{habit.name}' is unchanged."
            if new == habit
            else f"Updated '{new.name}' ({new.goal_text()}, {new.schedule.describe()})."
        )
        output(s.settings, as_json=json_, data=lambda: row_json(habit_row(s, new)), human=said)
