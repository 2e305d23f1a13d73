"""The ``habit-server`` command: serve (uvicorn), ``migrate``, ``set-role``, ``worker``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import sys

from pydantic import ValidationError

from habit_server.settings import DEV_ENV, Settings

log = logging.getLogger("habit_server")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        messages = "; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in exc.errors())
        raise SystemExit(f"habit-server: bad settings: {messages}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="habit-server", description="The habit tracker's sync server.")
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"), help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")), help="port (8000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (more than 1 needs REDIS_URL)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve the API (the default)")
    sub.add_parser("migrate", help="apply the database migrations (alembic upgrade head)")
    role = sub.add_parser("set-role", help="make a user an admin, or a user again")
    role.add_argument("username")
    role.add_argument("role", choices=["user", "admin"])
    sub.add_parser("worker", help="run the report-delivery worker")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if args.command == "worker":
        print("habit-server worker: not available yet (it arrives with the reports issue)", file=sys.stderr)
        raise SystemExit(1)
    if args.command == "migrate":
        migrate(_settings())
        return
    if args.command == "set-role":
        settings = _settings()
        _check_schema(settings)
        set_role(settings, args.username, args.role)
        return
    serve(args.host, args.port, args.workers)


def migrate(settings: Settings) -> None:
    from habit_server.db.migrate import upgrade

    upgrade(settings.database_url)
    print("habit-server: database is up to date", file=sys.stderr)


def set_role(settings: Settings, username: str, role: str) -> None:
    from habit_server.runtime import Runtime
    from habit_server.services.users import set_role_by_username
    from sync_protocol.wire.auth import Role

    async def run() -> bool:
        rt = Runtime.create(settings)
        try:
            return await set_role_by_username(rt, username, Role(role))
        finally:
            await rt.close()

    if not asyncio.run(run()):
        raise SystemExit(f"habit-server: no user named '{username}'")
    print(f"habit-server: {username} is now {role}", file=sys.stderr)


def _check_schema(settings: Settings) -> None:
    """SQLite (the embedded default) is migrated on start; PostgreSQL must be migrated first."""
    from habit_server.db.migrate import current_revision, head_revision, upgrade

    if settings.is_sqlite:
        upgrade(settings.database_url)
        return
    try:
        current = current_revision(settings.database_url)
    except Exception as exc:
        raise SystemExit(f"habit-server: cannot reach the database: {type(exc).__name__}: {exc}") from None
    if current != head_revision():
        raise SystemExit("habit-server: the database schema is not current; run `habit-server migrate` first")


def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from habit_server import workers as workers_module

    if os.environ.get(DEV_ENV) and not os.environ.get("SECRET_KEY"):
        # One random key for every worker process, so a token from one is valid at the others.
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(32)
        log.warning("development mode: using a random SECRET_KEY; tokens stop working when the server restarts")
    settings = _settings()
    if workers > 1 and not settings.redis_url:
        raise SystemExit("habit-server: --workers above 1 needs REDIS_URL (hints and caches are shared through Redis)")
    _check_schema(settings)
    options = {
        "app": "habit_server.api.app:app_from_env",
        "factory": True,
        "log_level": settings.log_level.lower(),
        "timeout_graceful_shutdown": 3,
        "proxy_headers": True,
    }
    if workers > 1 and workers_module.reuse_port_available():
        workers_module.run(host, port, workers, options)
        return
    uvicorn.run(host=host, port=port, workers=workers, **options)  # type: ignore[arg-type]
