"""Local SQLite store: schema, migrations, repository and sync outbox."""
