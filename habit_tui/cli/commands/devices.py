"""``habit devices``: the devices logged in to your account; ``habit devices revoke ID`` logs one out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt
from habit_tui.cli.output import output, say
from habit_tui.cli.session import session
from habit_tui.services import account as accounts

if TYPE_CHECKING:
    from rich.console import Console

app = command_app()


@app.callback(invoke_without_command=True)
def devices(ctx: typer.Context, json_: JsonOpt = False) -> None:
    """List the devices logged in to your account (this one is marked *)."""
    if ctx.invoked_subcommand is not None:
        return
    with session() as s:
        found = accounts.devices(s)
        output(s.settings, as_json=json_, data=lambda: found, human=lambda out: _show(out, found))


@app.command("revoke")
def revoke(device_id: Annotated[str, typer.Argument(help="The device's id (see 'habit devices').")]) -> None:
    """Log one of your devices out: its tokens stop working at once."""
    with session() as s:
        accounts.revoke(s, device_id)
    say(f"Device {device_id} is logged out.")


def _show(out: Console, found: list[dict[str, Any]]) -> None:
    from habit_tui.cli.tables import Column, table

    columns: list[Column[dict[str, Any]]] = [
        Column("", lambda d: "*" if d.get("current") else ""),
        Column("Device", lambda d: str(d.get("name", "")), wrap=True),
        Column("Id", lambda d: str(d.get("id", ""))),
        Column("Since", lambda d: str(d.get("created_at", ""))[:10]),
        Column("Last seen", lambda d: str(d.get("last_seen_at") or "")[:16].replace("T", " ")),
        Column("", lambda d: "logged out" if d.get("revoked") else ""),
    ]
    out.print(table(found, columns))
