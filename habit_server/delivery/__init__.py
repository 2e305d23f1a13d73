"""habit_server.delivery."""
