"""``habit add NAME``: a new habit."""

from __future__ import annotations

from typing import Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import (
    ColorOpt,
    DescriptionOpt,
    JsonOpt,
    ScheduleOpt,
    TagsOpt,
    TargetOpt,
    UnitOpt,
    required_text,
)
from habit_tui.cli.output import output
from habit_tui.cli.session import session
from habit_tui.services import habits as svc
from habit_tui.services.views import habit_row, row_json

app = command_app()


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Name of the new habit.")],
    schedule: ScheduleOpt = None,
    target: TargetOpt = None,
    unit: UnitOpt = None,
    at_most: Annotated[bool, typer.Option("--at-most", help="The target is a limit (a habit to quit).")] = False,
    description: DescriptionOpt = None,
    tags: TagsOpt = None,
    color: ColorOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Add a habit (yes/no, or measurable with --target/--unit)."""
    required_text(name, "a habit name")
    required_text(schedule, "--schedule")
    draft = svc.HabitDraft(name, schedule, target, unit, at_most, description, tags, color)
    with session() as s:
        habit = svc.add_habit(s, draft)
        output(
            s.settings,
            as_json=json_,
            data=lambda: row_json(habit_row(s, habit)),
            human=f"Added '{habit.name}' ({habit.goal_text()}, {habit.schedule.describe()}).",
        )
