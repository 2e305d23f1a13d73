"""``habit register --server URL``: a new account on a sync server, with this device logged in."""

from __future__ import annotations

from typing import Annotated

import typer

from habit_tui.cli.credentials import ask, password
from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import EmailOpt, PasswordStdinOpt, ServerOpt, UsernameOpt, required_text
from habit_tui.cli.output import say
from habit_tui.cli.session import session
from habit_tui.services import account as accounts

app = command_app()


@app.command("register")
def register(
    server: ServerOpt = None,
    username: UsernameOpt = None,
    email: EmailOpt = None,
    password_stdin: PasswordStdinOpt = False,
    invite: Annotated[
        str | None,
        typer.Option(
            "--invite", help="A sign-up code from the server's admin (habit-server invite), for REGISTRATION=invite."
        ),
    ] = None,
) -> None:
    """Create an account on a sync server and log this device in to it (then run: habit sync)."""
    required_text(invite, "--invite")
    with session() as s:
        url = accounts.server_of(s, server)
        name = ask(username, "Username")
        mail = ask(email, "Email (optional)", default="")
        code = invite.strip() if invite is not None else None
        found = accounts.register(s, url, name, password(password_stdin, confirm=True), mail, code)
    say(f"Registered {found.username} on {found.server}; this device is logged in. Next: habit sync")
