"""Preferences the app saves for next time, in the config file (the rest of the file is kept)."""

from __future__ import annotations

from habit_tui.config import update_config
from habit_tui.errors import HabitError
from habit_tui.services.context import Session


def save_theme(s: Session, theme: str) -> None:
    try:
        update_config(s.settings.config_path, theme=theme)
    except OSError as exc:
        raise HabitError(f"the theme was not saved: {exc.strerror or exc}") from None
    except HabitError as exc:
        raise HabitError(f"the theme was not saved: {exc}") from None
