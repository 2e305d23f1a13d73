"""``habit logout``: this device's tokens stop working, on the server and here."""

from __future__ import annotations

from habit_tui.cli.lazy import command_app
from habit_tui.cli.output import say, warn
from habit_tui.cli.session import session
from habit_tui.services import account as accounts

app = command_app()


@app.command("logout")
def logout() -> None:
    """Log this device out of its sync server (your habits stay on this device)."""
    with session() as s:
        found, problem = accounts.logout(s)
    if found is None:
        say("This device was not logged in.")
        return
    say(f"Logged out of {found.server}.")
    if problem:
        warn(
            f"the server was not told ({problem}); "
            f"revoke this device from another one: habit devices revoke {found.device_id}"
        )
