"""``habit notifications``: the reminder and weekly-report emails the server sends you (when logged in)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt
from habit_tui.cli.output import output, say
from habit_tui.cli.session import session
from habit_tui.errors import UsageError
from habit_tui.services import account as accounts

app = command_app()

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday(text: str) -> int:
    word = text.strip().lower()[:3]
    if word in WEEKDAYS:
        return WEEKDAYS.index(word)
    if word.isdigit() and 0 <= int(word) <= 6:
        return int(word)
    raise UsageError(f"--weekday: {text!r} is not a day (mon ... sun, or 0-6 from Monday)")


@app.command("notifications")
def notifications(
    reminders: Annotated[
        bool | None,
        typer.Option("--reminders/--no-reminders", help="A daily email of the habits at risk, at --time."),
    ] = None,
    time: Annotated[str | None, typer.Option("--time", help="Local time of day, HH:MM.")] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone", help="An IANA time zone, e.g. Europe/Paris (default: this machine's, until one is chosen)."
        ),
    ] = None,
    weekly: Annotated[
        bool | None, typer.Option("--weekly/--no-weekly", help="The weekly report by email, on --weekday.")
    ] = None,
    weekday: Annotated[str | None, typer.Option("--weekday", help="The weekly report's day: mon ... sun.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Show or change the emails the server sends: reminders of habits at risk, and the weekly report."""
    changes: dict[str, Any] = {
        k: v
        for k, v in {"reminders": reminders, "time": time, "timezone": timezone, "weekly_report": weekly}.items()
        if v is not None
    }
    if weekday is not None:
        changes["weekday"] = _weekday(weekday)
    with session() as s:
        found = accounts.notifications(s, changes)
        output(s.settings, as_json=json_, data=lambda: found.settings, human=lambda _out: _show(found))


def _show(found: accounts.Notifications) -> None:
    zone = found.settings.get("timezone", "")
    at = f"at {found.settings.get('time', '')} ({zone})"
    say(f"Reminders: {'on, ' + at if found.settings.get('reminders') else 'off'}")
    day = WEEKDAYS[int(found.settings.get("weekday", 0)) % 7]
    say(f"Weekly report: {'on, ' + day + ' ' + at if found.settings.get('weekly_report') else 'off'}")
    if found.zone == "machine":
        say(f"Time zone: {zone}, this machine's (--timezone to choose another)")
    elif found.zone == "unknown":
        say(f"Time zone: {zone}; this machine's is unknown (--timezone to choose one, e.g. Europe/Paris)")
