"""``habit logout``: this device's tokens stop working, on the server and here."""

from __future__ import annotations

import sys

from habit_tui.cli.lazy import command_app
from habit_tui.cli.session import session
from habit_tui.services import account as accounts

app = command_app()


@app.command("logout")
def logout() -> None:
    """Log this device out of its sync server (your habits stay on this device)."""
    with session() as s:
        found, problem = accounts.logout(s)
    if found is None:
        print("This device was not logged in.")
        return
    print(f"Logged out of {found.server}.")
    if problem:
        sys.stderr.write(
            f"habit: warning: the server was not told ({problem}); "
            "revoke this device from another one: habit devices revoke " + found.device_id + "\n"
        )
