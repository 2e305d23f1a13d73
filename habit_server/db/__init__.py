"""habit_server.db."""
