"""The ``habit-server`` command: serve (uvicorn), ``migrate``, ``set-role``, ``invite``, ``worker``, ``scheduler``."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import secrets
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from habit_server.settings import Settings

log = logging.getLogger("habit_server")

SERVER_MODULES = ("fastapi", "uvicorn", "sqlalchemy", "alembic", "pydantic_settings", "pwdlib", "jwt", "redis")
INSTALL_HINT = "habit-server: the server's packages are not installed; install them with: uv tool install '.[server]'"


def _require_server_extra() -> None:
    """``uv tool install .`` puts ``habit-server`` on PATH without the ``server`` extra: say so in one line."""
    for name in SERVER_MODULES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            print(INSTALL_HINT, file=sys.stderr)
            raise SystemExit(1)


def _settings() -> Settings:
    from pydantic import ValidationError

    from habit_server.settings import Settings

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
    reset = sub.add_parser(
        "reset-password", help="set a user's password (read from a prompt or stdin) and log out their devices"
    )
    reset.add_argument("username")
    invite = sub.add_parser("invite", help="print a single-use sign-up code (for REGISTRATION=invite)")
    invite.add_argument("--days", type=int, default=7, help="days the code stays valid (7)")
    sub.add_parser("worker", help="run the report-delivery worker")
    sub.add_parser("scheduler", help="send the reminder emails and weekly reports users opted into")
    return parser


def main(argv: list[str] | None = None) -> None:
    _require_server_extra()
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    logging.getLogger("botocore.credentials").setLevel(logging.WARNING)  # "Found credentials in ..."
    if args.command == "worker":
        run_worker(_settings())
        return
    if args.command == "scheduler":
        run_scheduler(_settings())
        return
    if args.command == "migrate":
        migrate(_settings())
        return
    if args.command == "set-role":
        settings = _settings()
        _check_schema(settings)
        set_role(settings, args.username, args.role)
        return
    if args.command == "reset-password":
        settings = _settings()
        _check_schema(settings)
        reset_password(settings, args.username, _read_new_password())
        return
    if args.command == "invite":
        settings = _settings()
        _check_schema(settings)
        print(make_invite(settings, args.days))
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


def make_invite(settings: Settings, days: int) -> str:
    """A new invite code (on stdout, for scripts), and how long it lasts (on stderr)."""
    from habit_server.runtime import Runtime
    from habit_server.services.auth import create_invite

    if not 1 <= days <= 365:
        raise SystemExit("habit-server: --days must be between 1 and 365")

    async def run() -> str:
        rt = Runtime.create(settings)
        try:
            code, expires = await create_invite(rt, days)
        finally:
            await rt.close()
        if settings.registration != "invite":
            print(f"habit-server: note: REGISTRATION is {settings.registration}, not invite", file=sys.stderr)
        print(f"habit-server: single-use invite, valid until {expires:%Y-%m-%d %H:%M} UTC", file=sys.stderr)
        return code

    return asyncio.run(run())


def run_worker(settings: Settings) -> None:
    """``habit-server worker``: deliver report jobs from SQS until SIGTERM or SIGINT."""
    import signal

    from habit_server.delivery import Delivery, DeliveryError
    from habit_server.runtime import Runtime
    from habit_server.services.reports import job_worker

    if not settings.delivery:
        raise SystemExit(
            "habit-server worker: set SQS_QUEUE_URL, S3_BUCKET and SES_SENDER (without them the server renders "
            "reports itself and no worker is needed)"
        )

    try:
        Delivery.create(settings).check()
    except (DeliveryError, ValueError) as exc:  # ValueError: botocore refuses the endpoint or region
        raise SystemExit(f"habit-server worker: {exc}") from None
    _check_schema(settings)

    async def run() -> None:
        rt = Runtime.create(settings)
        try:
            assert rt.delivery is not None
            worker = job_worker(rt, rt.delivery)
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, worker.stop.set)
            await worker.run()
            log.info("worker: stopped (%d delivered, %d failed attempts)", worker.done, worker.failed)
        finally:
            await rt.close()

    asyncio.run(run())


def run_scheduler(settings: Settings) -> None:
    """``habit-server scheduler``: reminders and weekly reports every minute, until SIGTERM or SIGINT.
    Several may run (one per replica): one at a time works, under a PostgreSQL advisory lock."""
    import signal

    from habit_server.delivery import Delivery, DeliveryError
    from habit_server.runtime import Runtime
    from habit_server.services import scheduler

    if not settings.delivery:
        raise SystemExit("habit-server scheduler: set SQS_QUEUE_URL, S3_BUCKET and SES_SENDER (emails go through SES)")
    try:
        Delivery.create(settings).check()
    except (DeliveryError, ValueError) as exc:
        raise SystemExit(f"habit-server scheduler: {exc}") from None
    _check_schema(settings)

    async def run() -> None:
        rt = Runtime.create(settings)
        stop = asyncio.Event()
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            log.info("scheduler: every %g s", settings.scheduler_interval_seconds)
            await scheduler.run(rt, stop)
            log.info("scheduler: stopped")
        finally:
            await rt.close()

    asyncio.run(run())


def _read_new_password() -> str:
    """From a prompt (twice) on a terminal, else the first line of stdin; never from the command line."""
    import getpass

    if sys.stdin.isatty():
        password = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != password:
            raise SystemExit("habit-server: the passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def reset_password(settings: Settings, username: str, password: str) -> None:
    from habit_server.runtime import Runtime
    from habit_server.services.errors import ServiceError
    from habit_server.services.users import reset_password_by_username

    async def run() -> int | None:
        rt = Runtime.create(settings)
        try:
            return await reset_password_by_username(rt, username, password)
        finally:
            await rt.close()

    try:
        logged_out = asyncio.run(run())
    except ServiceError as exc:
        raise SystemExit(f"habit-server: {exc.message}") from None
    if logged_out is None:
        raise SystemExit(f"habit-server: no user named '{username}'")
    print(f"habit-server: new password set for {username}; {logged_out} devices logged out", file=sys.stderr)


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


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""Read by prometheus_client when it is imported (in each worker, so it is set before they start)."""


def _share_metrics() -> None:
    """prometheus_client's multiprocess mode: the workers write their metrics to files in one
    directory (emptied now), so /metrics on any worker reports them all."""
    import tempfile
    from pathlib import Path

    path = Path(os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="habit-server-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)


def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from habit_server import workers as workers_module
    from habit_server.settings import DEV_ENV

    if os.environ.get(DEV_ENV) and not os.environ.get("SECRET_KEY"):
        # One random key for every worker process, so a token from one is valid at the others.
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(32)
        log.warning("development mode: using a random SECRET_KEY; tokens stop working when the server restarts")
    settings = _settings()
    if workers > 1 and not settings.redis_url:
        raise SystemExit("habit-server: --workers above 1 needs REDIS_URL (hints and caches are shared through Redis)")
    _check_schema(settings)
    if settings.metrics and workers > 1:
        _share_metrics()
    options = {
        "app": "habit_server.api.app:app_from_env",
        "factory": True,
        "log_level": settings.log_level.lower(),
        "timeout_graceful_shutdown": 3,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1; habit_server.api.client_ip reads it,
        # from TRUSTED_PROXIES only.
        "proxy_headers": False,
    }
    if workers > 1 and workers_module.reuse_port_available():
        workers_module.run(host, port, workers, options)
        return
    uvicorn.run(host=host, port=port, workers=workers, **options)  # type: ignore[arg-type]
