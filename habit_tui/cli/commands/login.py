"""``habit login --server URL``: log this device in to a sync server."""

from __future__ import annotations

from typing import Annotated

import typer

from habit_tui.cli.credentials import ask, password
from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import PasswordStdinOpt, ServerOpt, UsernameOpt
from habit_tui.cli.output import say
from habit_tui.cli.session import session
from habit_tui.services import account as accounts

app = command_app()


@app.command("login")
def login(
    server: ServerOpt = None,
    username: UsernameOpt = None,
    password_stdin: PasswordStdinOpt = False,
    device_name: Annotated[
        str | None, typer.Option("--device-name", help="How this device is listed (default: the host name).")
    ] = None,
) -> None:
    """Log this device in to your account on a sync server (the password is never stored)."""
    with session() as s:
        url = accounts.server_of(s, server)
        found = accounts.login(s, url, ask(username, "Username"), password(password_stdin), device_name)
    say(f"Logged in to {found.server} as {found.username}. Next: habit sync")
