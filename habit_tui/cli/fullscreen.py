"""The one door from the command line into the full-screen app (imported only when it opens)."""

from __future__ import annotations

import sys

from habit_tui.errors import HabitError


def open_app() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise HabitError("the full-screen app needs a terminal; see 'habit --help' for one-shot commands")
    try:
        from habit_tui.tui.launch import run
    except ImportError:
        raise HabitError("the full-screen app is not available in this build") from None
    run()
