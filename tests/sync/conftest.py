"""The real client against a real server on a loopback port, with SQLite and with PostgreSQL + Redis.

``sync_server`` starts one ``habit-server`` process per backend for the whole session (each test
registers accounts of its own); tests that stop, restore or reset a server start a private one
with :func:`start_server`. :class:`Device` is one machine: a ``HABIT_HOME`` of its own, used in
this process through the client's services (fast) or through the real ``habit`` command.
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from habit_tui.services import account as accounts
from habit_tui.services import syncing
from habit_tui.services.context import Session, open_session
from habit_tui.settings import load_settings
from tests.habit_cli import Result, run_habit
from tests.server.conftest import free_port, pg_server_url, pg_url, redis_prefix, redis_url  # noqa: F401 - fixtures
from tests.server.test_server_processes import server_env, serving, start_server, stop

PASSWORD = "correct horse battery"
TODAY = date(2026, 11, 24)
NOW = f"{TODAY.isoformat()}T12:00:00"

__all__ = [
    "NOW",
    "PASSWORD",
    "TODAY",
    "Device",
    "Server",
    "free_port",
    "new_username",
    "start_server",
    "stop",
    "sync_server_env",
]


class Server:
    """A running ``habit-server`` process."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str, backend: str) -> None:
        self.proc = proc
        self.url = url
        self.backend = backend


def sync_server_env(**extra: str) -> dict[str, str]:
    """A server's environment for tests: cheap password hashing and no login limit to trip on."""
    return server_env(LOGIN_ATTEMPTS_PER_MINUTE="100000", PUSHES_PER_MINUTE="100000", SIGNUPS_PER_HOUR="0", **extra)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def sync_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if request.param == "sqlite":
        env = sync_server_env(DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('sync-server') / 'server.db'}")
    else:
        prefix = request.getfixturevalue("redis_prefix") + "sync:"
        env = sync_server_env(
            DATABASE_URL=request.getfixturevalue("pg_url"),
            REDIS_URL=request.getfixturevalue("redis_url"),
            HABIT_REDIS_PREFIX=prefix,
        )
    with serving(env) as (base, proc):
        yield Server(proc, base, request.param)


def new_username() -> str:
    return f"u{secrets.token_hex(5)}"


class Device:
    """One machine: its own data directory, used through the services or the real command."""

    def __init__(self, home: Path, now: str = NOW) -> None:
        self.home = home
        self.now = now

    def session(self) -> Session:
        settings = load_settings({"HABIT_NOW": self.now}, home=self.home)
        return open_session(self.home / "habit.db", settings=settings)

    def habit(self, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
        """The real ``habit`` command on this device."""
        return run_habit(self.home, *args, env={"HABIT_NOW": self.now, **(env or {})}, stdin=stdin)

    def register(self, server: str, username: str) -> None:
        with self.session() as s:
            accounts.register(s, server, username, PASSWORD)

    def login(self, server: str, username: str) -> None:
        with self.session() as s:
            accounts.login(s, server, username, PASSWORD, name=self.home.name)

    def sync(self) -> syncing.SyncResult:
        with self.session() as s:
            api = accounts.open_api(s)
            try:
                return syncing.sync(s, api)
            finally:
                api.close()

    def list_json(self) -> list[dict[str, Any]]:
        return list(self.habit("list", "--all", "--json").json())


@pytest.fixture
def devices(tmp_path: Path) -> list[Device]:
    return [Device(tmp_path / name) for name in ("laptop", "desktop", "server")]
