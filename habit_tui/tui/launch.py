"""Entry from the command line into the full-screen app (imported lazily by the CLI)."""

from __future__ import annotations


def run() -> None:
    """Open the app on the local store (``HABIT_HOME`` or the platform's data directory)."""
    from habit_tui.tui.app import create_app

    create_app().run()
