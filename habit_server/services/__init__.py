"""habit_server.services."""
