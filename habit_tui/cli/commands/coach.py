"""``habit coach``: why each at-risk habit is at risk, and what to do."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt
from habit_tui.cli.output import output
from habit_tui.cli.session import session
from sync_protocol.domain.text import printable

if TYPE_CHECKING:
    from rich.console import Console

    from sync_protocol.coach.coach import Coach
    from sync_protocol.coach.facts import HabitFacts

app = command_app()


@app.command("coach")
def coach(
    json_: JsonOpt = False,
    days: Annotated[
        int, typer.Option("--days", min=1, max=365, help="Also flag habits not done for this many days.")
    ] = 3,
    rules: Annotated[bool, typer.Option("--rules", help="Use the built-in coach only; do not ask Ollama.")] = False,
) -> None:
    """Why each at-risk habit is at risk, and what to do: from a local Ollama model, or the built-in coach."""
    from habit_tui.services import reporting

    with session() as s:
        facts = reporting.at_risk(s, risk_days=days)
        settings = s.settings
    with reporting.open_coach(settings, rules_only=rules) as adviser:
        output(
            settings,
            as_json=json_,
            data=lambda: [adviser.advise(f, stream=False).to_json() for f in facts],
            human=lambda out: _show(out, adviser, facts),
        )


def _show(out: Console, adviser: Coach, facts: list[HabitFacts]) -> None:
    from rich.text import Text

    if not facts:
        out.print(Text("No habit is at risk today. Keep it up."))
        return
    count = len(facts)
    out.print(Text(f"{count} habit{'s' if count != 1 else ''} at risk", style="bold"))
    told: set[str] = set()
    for f in facts:
        out.print()
        _coach_one(out, adviser, f, told)


def _coach_one(out: Console, adviser: Coach, f: HabitFacts, told: set[str]) -> None:
    """Advice for one habit; why the model was not used is said once, not under every habit.

    The habit's name, the advice and the model's words as they stream in are shown through
    :func:`printable` like all user text: a model can answer with escape sequences too.
    """
    from rich.text import Text

    from habit_tui.cli.tables import literal

    out.print(Text.assemble(literal(f.name, "bold"), (f" · {f.schedule} · {_why(f)}", "dim")))
    streamed: list[str] = []

    def show(piece: str) -> None:
        streamed.append(piece)
        sys.stdout.write(printable(piece, multiline=True))
        sys.stdout.flush()

    advice = adviser.advise(f, on_chunk=show)
    if advice.source == "ollama":
        sys.stdout.write("\n")
        out.print(literal(f"— advice from Ollama ({advice.model})", "dim"))
        return
    if streamed:
        sys.stdout.write("\n")
        out.print(literal(f"The model's answer was dropped: {advice.fallback_reason}.", "yellow"))
    out.print(literal(advice.text, multiline=True))
    reason = ""
    if advice.fallback_reason and not streamed and advice.fallback_reason not in told:
        told.add(advice.fallback_reason)
        reason = f" (the model was not used: {advice.fallback_reason})"
    out.print(literal(f"— built-in coach{reason}", "dim"))


def _why(f: HabitFacts) -> str:
    parts = []
    if "streak_ends" in f.reasons:
        parts.append(f"{f.streak_unit.phrase(f.current_streak)} at stake")
    if f.last_done is None:
        parts.append("never done yet")
    elif f.days_since_done == 1:
        parts.append("last done yesterday")
    else:
        parts.append(f"last done {f.days_since_done} days ago")
    parts.append(f"score {round(f.score * 100)}% ({f.trend})")
    return " · ".join(parts)
