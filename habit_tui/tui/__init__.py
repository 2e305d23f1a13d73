"""habit_tui.tui."""
