"""habit_tui.sync."""
