"""habit_server.api."""
