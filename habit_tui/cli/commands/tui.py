"""``habit tui``: the full-screen app (as ``habit`` with no command)."""

from __future__ import annotations

from habit_tui.cli.lazy import command_app

app = command_app()


@app.command("tui")
def tui() -> None:
    """Open the full-screen app."""
    from habit_tui.cli.fullscreen import open_app

    open_app()
