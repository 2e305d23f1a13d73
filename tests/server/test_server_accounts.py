"""Issue 12, accounts and sessions: sign-up limits and modes, bounded hashing, login throttling per
account, trusted proxies, password checks, session revocation, and streams that end with their token."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from starlette.requests import Request

from habit_server.api.client_ip import client_ip
from habit_server.db.models import INVITES
from habit_server.services.auth import create_invite
from habit_server.settings import parse_networks
from tests.server.conftest import SECRET, SettingsFactory, open_api
from tests.server.support import PASSWORD, Api, fresh_rate_window

NEW_PASSWORD = "a brand new secret 42"


@asynccontextmanager
async def client_at(api: Api, ip: str, **headers: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same app whose connections come from ``ip``."""
    transport = httpx.ASGITransport(app=api.app, client=(ip, 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as client:
        yield client


def signup(name: str | None = None, **extra: str) -> dict[str, str]:
    return {"username": name or f"u{secrets.token_hex(5)}", "password": PASSWORD, **extra}


def login_form(username: str, password: str = PASSWORD) -> dict[str, str]:
    return {"username": username, "password": password, "device_name": "t"}


def code_of(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


# ----- sign-up -----------------------------------------------------------------------------------
async def test_signups_are_limited_per_address(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(signups_per_hour=3), "any"):
        codes = [(await api.client.post("/api/v1/users", json=signup())).status_code for _ in range(4)]
        assert codes == [201, 201, 201, 429]
        r = await api.client.post("/api/v1/users", json=signup())
        assert code_of(r) == "rate_limited"
        assert 1 <= int(r.headers["Retry-After"]) <= 3600
        async with client_at(api, "192.0.2.7") as other:  # another address is not affected
            assert (await other.post("/api/v1/users", json=signup())).status_code == 201


async def test_closed_registration_refuses_everyone(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(registration="closed"), "any"):
        r = await api.client.post("/api/v1/users", json=signup())
        assert r.status_code == 403
        assert code_of(r) == "registration_closed"


async def test_invite_registration_needs_a_fresh_code(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(registration="invite"), "any"):
        for extra in ({}, {"invite": "not-a-real-code-at-all"}):
            r = await api.client.post("/api/v1/users", json=signup(**extra))
            assert (r.status_code, code_of(r)) == (403, "invite_required")
        code, _ = await create_invite(api.rt, 7)
        name = f"inv{secrets.token_hex(4)}"
        assert (await api.client.post("/api/v1/users", json=signup(name, invite=code))).status_code == 201
        assert (await api.login(name)).status_code == 200
        again = await api.client.post("/api/v1/users", json=signup(invite=code))
        assert (again.status_code, code_of(again)) == (403, "invite_required")
        # A taken username does not spend the code; an expired code is refused.
        code, _ = await create_invite(api.rt, 1)
        taken = await api.client.post("/api/v1/users", json=signup(name, invite=code))
        assert taken.status_code == 409
        assert (await api.client.post("/api/v1/users", json=signup(invite=code))).status_code == 201
        code, _ = await create_invite(api.rt, 1)
        async with api.rt.db.begin() as conn:
            await conn.execute(update(INVITES).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        r = await api.client.post("/api/v1/users", json=signup(invite=code))
        assert (r.status_code, code_of(r)) == (403, "invite_required")


async def test_open_registration_ignores_invites(api: Api) -> None:
    assert (await api.client.post("/api/v1/users", json=signup())).status_code == 201


def test_the_invite_command_prints_a_working_code(sqlite_url: str) -> None:
    import subprocess
    import sys

    from tests.server.test_server_processes import server_env

    env = server_env(DATABASE_URL=sqlite_url, REGISTRATION="invite")
    cmd = [sys.executable, "-c", "from habit_server.main import main; main()", "invite", "--days", "2"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    code = done.stdout.strip()
    assert "valid until" in done.stderr

    async def use() -> int:
        from tests.server.conftest import make_settings

        async for api in open_api(make_settings(database_url=sqlite_url, registration="invite"), "sqlite"):
            return (await api.client.post("/api/v1/users", json=signup(invite=code))).status_code
        raise AssertionError

    assert asyncio.run(use()) == 201


async def test_parallel_signups_hash_two_at_a_time(settings_for: SettingsFactory) -> None:
    # Hashes costly enough to overlap when nothing holds them back.
    settings = settings_for(argon2_time_cost=2, argon2_memory_kib=8192, argon2_concurrency=2)
    async for api in open_api(settings, "any"):
        replies = await asyncio.gather(*(api.client.post("/api/v1/users", json=signup()) for _ in range(40)))
        assert [r.status_code for r in replies] == [201] * 40
        assert api.rt.passwords.peak == 2
        assert api.rt.passwords.active == 0
        # Logins of unknown users pay a hash too, through the same slots.
        logins = await asyncio.gather(*(api.login(f"nobody{i}", "wrong password!") for i in range(20)))
        assert {r.status_code for r in logins} == {401}
        assert api.rt.passwords.peak == 2


# ----- login throttling --------------------------------------------------------------------------
async def test_an_account_is_slowed_down_across_addresses(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(login_attempts_per_minute=3), "any"):
        await fresh_rate_window()
        who = await api.account()  # one attempt from 127.0.0.1
        codes = []
        for i in range(6):  # every guess from an address of its own: 2 x 3 per account per minute
            async with client_at(api, f"198.51.100.{i + 1}") as guesser:
                r = await guesser.post("/api/v1/security/token", data=login_form(who.username, "wrong guess!!"))
                codes.append(r.status_code)
        assert codes == [401] * 5 + [429]
        async with client_at(api, "203.0.113.9") as owner:
            r = await owner.post("/api/v1/security/token", data=login_form(who.username))
        assert r.status_code == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 60  # the refusal lasts to the end of the minute
        # Another account is not affected, and the logged-in device keeps refreshing.
        other = await api.account()
        refreshed = await api.client.post("/api/v1/security/refresh", json={"refresh_token": who.refresh})
        assert refreshed.status_code == 200
        assert other.access


async def test_a_busy_address_waits_at_most_a_minute(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(login_attempts_per_minute=10), "any"):
        await fresh_rate_window()
        who = await api.account()
        async with client_at(api, "192.0.2.50") as shared:
            for i in range(100):  # 10 x 10 per address per minute, over many accounts
                r = await shared.post("/api/v1/security/token", data=login_form(f"victim{i}", "wrong guess!!"))
                assert r.status_code == 401
            r = await shared.post("/api/v1/security/token", data=login_form(who.username))
            assert r.status_code == 429
            assert 1 <= int(r.headers["Retry-After"]) <= 60
        async with client_at(api, "192.0.2.51") as elsewhere:  # the account itself is not locked
            assert (await elsewhere.post("/api/v1/security/token", data=login_form(who.username))).status_code == 200


async def test_forwarded_headers_are_ignored_without_trusted_proxies(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(login_attempts_per_minute=2), "any"):
        await fresh_rate_window()
        codes = []
        for i in range(3):  # one account, three claimed addresses: all counted against 127.0.0.1
            headers = {"X-Forwarded-For": f"203.0.113.{i}", "Forwarded": f"for=203.0.113.{i}"}
            r = await api.client.post("/api/v1/security/token", data=login_form("spoofer1", "x"), headers=headers)
            codes.append(r.status_code)
        assert codes == [401, 401, 429]


async def test_forwarded_headers_from_a_trusted_proxy_name_the_client(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(login_attempts_per_minute=2, trusted_proxies="127.0.0.0/8"), "any"):
        await fresh_rate_window()
        codes = []
        for i in range(4):
            headers = {"X-Forwarded-For": f"203.0.113.{i}"}
            r = await api.client.post("/api/v1/security/token", data=login_form(f"name{i}", "x"), headers=headers)
            codes.append(r.status_code)
        assert codes == [401] * 4  # four clients, not one address over its limit


def request_from(peer: str, headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": raw, "client": (peer, 1234)})


@pytest.mark.parametrize(
    ("peer", "headers", "proxies", "expected"),
    [
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.5"}, "", "127.0.0.1"),
        ("10.0.0.2", {"X-Forwarded-For": "203.0.113.5"}, "10.0.0.0/8", "203.0.113.5"),
        # The client wrote the leftmost entry itself: the last address the trusted proxy saw wins.
        ("10.0.0.2", {"X-Forwarded-For": "1.2.3.4, 203.0.113.5"}, "10.0.0.0/8", "203.0.113.5"),
        ("10.0.0.2", {"X-Forwarded-For": "203.0.113.5, 10.0.0.3"}, "10.0.0.0/8", "203.0.113.5"),
        ("10.0.0.2", {"Forwarded": 'for="[2001:db8::1]:4711";proto=https'}, "10.0.0.2", "2001:db8::1"),
        ("10.0.0.2", {"Forwarded": "for=198.51.100.1", "X-Forwarded-For": "1.2.3.4"}, "10.0.0.2", "198.51.100.1"),
        ("192.0.2.9", {"X-Forwarded-For": "203.0.113.5"}, "10.0.0.0/8", "192.0.2.9"),  # not a trusted peer
        ("10.0.0.2", {"X-Forwarded-For": "garbage"}, "10.0.0.0/8", "10.0.0.2"),
    ],
)
def test_the_client_address(peer: str, headers: dict[str, str], proxies: str, expected: str) -> None:
    assert client_ip(request_from(peer, headers), parse_networks(proxies)) == expected


def test_malformed_trusted_proxies_are_refused() -> None:
    from tests.server.conftest import make_settings

    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        make_settings(trusted_proxies="10.0.0.0/8, not-an-address")


# ----- password checks and sessions --------------------------------------------------------------
async def test_current_password_guesses_are_throttled(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(login_attempts_per_minute=3), "any"):
        await fresh_rate_window()
        who = await api.account()
        codes = []
        for _ in range(4):
            body = {"password": NEW_PASSWORD, "current_password": "a wrong guess"}
            codes.append((await api.client.put("/api/v1/users/me", json=body, headers=who.headers)).status_code)
        assert codes == [403, 403, 403, 429]
        body = {"password": NEW_PASSWORD, "current_password": PASSWORD}
        assert (await api.client.put("/api/v1/users/me", json=body, headers=who.headers)).status_code == 429


async def test_a_password_change_logs_out_every_other_device(api: Api) -> None:
    who = await api.account()
    second = (await api.login(who.username, device="laptop")).json()
    other = {"Authorization": f"Bearer {second['access_token']}"}
    assert (await api.client.get("/api/v1/habits", headers=other)).status_code == 200
    body = {"password": NEW_PASSWORD, "current_password": PASSWORD}
    assert (await api.client.put("/api/v1/users/me", json=body, headers=who.headers)).status_code == 200
    r = await api.client.get("/api/v1/habits", headers=other)  # the other device's access token: at once
    assert (r.status_code, code_of(r)) == (401, "token_revoked")
    r = await api.client.post("/api/v1/security/refresh", json={"refresh_token": second["refresh_token"]})
    assert (r.status_code, code_of(r)) == (401, "token_revoked")
    assert (await api.client.get("/api/v1/habits", headers=who.headers)).status_code == 200  # this device stays
    assert (await api.client.post("/api/v1/security/refresh", json={"refresh_token": who.refresh})).status_code == 200
    devices = (await api.client.get("/api/v1/devices", headers=who.headers)).json()
    assert sorted(d["revoked"] for d in devices) == [False, True]


async def test_deleting_the_account_needs_its_password(api: Api) -> None:
    who = await api.account()
    r = await api.client.delete("/api/v1/users/me", headers=who.headers)
    assert r.status_code == 422
    r = await api.client.request("DELETE", "/api/v1/users/me", json={"password": "not it at all"}, headers=who.headers)
    assert (r.status_code, code_of(r)) == (403, "invalid_credentials")
    assert (await api.client.get("/api/v1/users/me", headers=who.headers)).status_code == 200
    r = await api.client.request("DELETE", "/api/v1/users/me", json={"password": PASSWORD}, headers=who.headers)
    assert r.status_code == 204
    assert (await api.client.get("/api/v1/users/me", headers=who.headers)).status_code == 401


# ----- the hint stream ends with its session -------------------------------------------------------
@pytest.fixture(scope="module")
def stream_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.server.conftest import free_port
    from tests.server.test_server_processes import server_env, start_server, stop

    db = tmp_path_factory.mktemp("stream") / "server.db"
    port = free_port()
    # Keep-alives far apart: a stream that ends did so because it was told, not at a keep-alive.
    proc = start_server(port, server_env(DATABASE_URL=f"sqlite:///{db}", STREAM_KEEPALIVE_SECONDS="300"))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def stream_account(base: str) -> tuple[str, dict[str, str]]:
    name = f"s{secrets.token_hex(5)}"
    assert httpx.post(f"{base}/api/v1/users", json={"username": name, "password": PASSWORD}).status_code == 201
    body = httpx.post(f"{base}/api/v1/security/token", data=login_form(name)).json()
    return name, body


def stream_ends(base: str, token: str, then: object = None) -> bool:
    """Open a stream with ``token``, read its first hint, call ``then()``, and say whether the server ends it."""
    with (
        httpx.Client(timeout=httpx.Timeout(10, read=8)) as client,
        client.stream("GET", f"{base}/api/v1/sync/stream", headers={"Authorization": f"Bearer {token}"}) as stream,
    ):
        assert stream.status_code == 200
        lines = stream.iter_lines()
        assert next(lines).startswith("event: hint")
        if callable(then):
            then()
        try:
            for _ in lines:
                pass
        except httpx.ReadTimeout:
            return False
        return True


def test_the_stream_ends_when_the_device_logs_out(stream_server: str) -> None:
    _, body = stream_account(stream_server)
    headers = {"Authorization": f"Bearer {body['access_token']}"}

    def logout() -> None:
        assert httpx.post(f"{stream_server}/api/v1/security/logout", headers=headers).status_code == 204

    assert stream_ends(stream_server, body["access_token"], logout)


def test_the_stream_ends_when_another_device_revokes_it(stream_server: str) -> None:
    name, body = stream_account(stream_server)
    other = httpx.post(f"{stream_server}/api/v1/security/token", data=login_form(name)).json()
    headers = {"Authorization": f"Bearer {other['access_token']}"}

    def revoke() -> None:
        r = httpx.delete(f"{stream_server}/api/v1/devices/{body['device_id']}", headers=headers)
        assert r.status_code == 204

    assert stream_ends(stream_server, body["access_token"], revoke)


def test_the_stream_ends_when_its_token_expires(stream_server: str) -> None:
    import time

    import jwt

    _, body = stream_account(stream_server)
    now = int(time.time())
    claims = {"sub": body["user_id"], "did": body["device_id"], "iat": now, "exp": now + 2, "jti": "x"}
    short = jwt.encode({**claims, "iss": "habit-server", "typ": "access"}, SECRET, algorithm="HS256")
    assert stream_ends(stream_server, short)


def test_the_default_sqlite_file_is_private(tmp_path: Path) -> None:
    from habit_server.db.migrate import upgrade

    db = tmp_path / "new" / "habit-server.db"
    upgrade(f"sqlite+aiosqlite:///{db}")
    assert db.stat().st_mode & 0o777 == 0o600
    assert db.parent.stat().st_mode & 0o777 == 0o700


def test_a_real_server_does_not_believe_forwarded_headers_from_loopback(stream_server: str) -> None:
    asyncio.run(fresh_rate_window())  # all eleven in one minute's window
    codes = []
    for i in range(11):  # LOGIN_ATTEMPTS_PER_MINUTE=10 per address and account
        headers = {"X-Forwarded-For": f"203.0.113.{i}"}
        r = httpx.post(f"{stream_server}/api/v1/security/token", data=login_form("spoofed-acct", "x"), headers=headers)
        codes.append(r.status_code)
    assert codes == [401] * 10 + [429]


def test_secrets_can_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from habit_server.settings import Settings

    key = tmp_path / "key"
    key.write_text("a-secret-key-read-from-a-file\n")
    url = tmp_path / "url"
    url.write_text(f"sqlite:///{tmp_path / 'x.db'}")
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SECRET_KEY_FILE", "DATABASE_URL_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(key))
    monkeypatch.setenv("DATABASE_URL_FILE", str(url))
    settings = Settings()
    assert settings.key == "a-secret-key-read-from-a-file"
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    monkeypatch.setenv("SECRET_KEY", "another-secret-key-from-env")
    with pytest.raises(ValueError, match="not both"):
        Settings()
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="cannot read"):
        Settings()


HIDE_SERVER_EXTRA = """
import importlib.abc, sys
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"fastapi", "uvicorn", "sqlalchemy", "pydantic_settings", "alembic"}:
            raise ModuleNotFoundError(name)
        return None
sys.meta_path.insert(0, Hide())
from habit_server.main import main
main()
"""


def test_without_the_server_extra_the_command_says_how_to_install_it() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", HIDE_SERVER_EXTRA, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "habit-server: the server's packages are not installed; install them with: uv tool install '.[server]'"
    ]


async def test_migrations_wait_for_each_other(pg_server_url: str) -> None:
    import threading

    import asyncpg  # type: ignore[import-untyped]
    from sqlalchemy.engine import make_url

    from habit_server.db.migrate import MIGRATION_LOCK, current_revision, head_revision, upgrade

    name = f"habit_lock_{secrets.token_hex(4)}"
    plain = make_url(pg_server_url).set(drivername="postgresql")
    admin = await asyncpg.connect(plain.render_as_string(hide_password=False))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = plain.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    holder = await asyncpg.connect(plain.set(database=name).render_as_string(hide_password=False))
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)  # another replica migrating
        migrating = threading.Thread(target=upgrade, args=(url,))
        migrating.start()
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        for _ in range(200):
            if await holder.fetchval(waiting):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the migration did not wait for the lock")
        assert migrating.is_alive()
        await holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        await asyncio.to_thread(migrating.join, 60)
        assert await asyncio.to_thread(current_revision, url) == head_revision()
    finally:
        await holder.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
