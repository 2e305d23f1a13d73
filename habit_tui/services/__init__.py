"""habit_tui.services."""
