"""habit_server.cache."""
