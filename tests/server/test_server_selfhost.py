"""The self-hoster's kit: /metrics over several workers, the failed-login log line, ``reset-password``."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from sync_protocol.domain.ids import uuid7
from tests.server.conftest import make_settings, open_api
from tests.server.support import PASSWORD, Device
from tests.server.test_server_processes import server_env, server_output, serving

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def two_workers(pg_url: str, redis_url: str, redis_prefix: str) -> Iterator[tuple[str, dict[str, str], str]]:
    env = server_env(
        DATABASE_URL=pg_url,
        REDIS_URL=redis_url,
        HABIT_REDIS_PREFIX=redis_prefix + "kit:",
        METRICS="true",
        LOGIN_ATTEMPTS_PER_MINUTE="1000",
    )
    with serving(env, "--workers", "2") as (base, proc):
        yield base, env, str(proc.pid)


def _sample(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(r"^(\w+)(\{[^}]*\})? (\S+)$", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match[3])
    return total


def _register(base: str) -> tuple[str, str]:
    name = f"k{uuid7()[-10:]}"
    assert httpx.post(f"{base}/api/v1/users", json={"username": name, "password": PASSWORD}).status_code == 201
    r = httpx.post(f"{base}/api/v1/security/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return name, r.json()["access_token"]


def test_metrics_sum_every_worker(
    two_workers: tuple[str, dict[str, str], str],
) -> None:
    base, _env, _pid = two_workers
    name, token = _register(base)
    headers = {"Authorization": f"Bearer {token}"}
    dev, hid = Device(), uuid7()
    events = [dev.create(hid, "Metrics"), *(dev.checkin(hid, f"2024-03-{d:02d}") for d in range(1, 8))]
    with httpx.Client(base_url=base, timeout=10) as client:
        # Several connections: the kernel spreads them over both workers (SO_REUSEPORT).
        for i, event in enumerate(events):
            with httpx.Client(base_url=base, timeout=10) as one:
                assert one.post("/api/v1/sync/events", json={"events": [event]}, headers=headers).status_code == 200
                if i == 0:  # the same event again: a duplicate
                    assert one.post("/api/v1/sync/events", json={"events": [event]}, headers=headers).status_code == 200
        wrong = client.post("/api/v1/security/token", data={"username": name, "password": "wrong password 1"})
        assert wrong.status_code == 401
        scrapes = []
        for _ in range(6):
            with httpx.Client(base_url=base, timeout=10) as one:
                r = one.get("/metrics")
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/plain")
            scrapes.append(r.text)
    for text in scrapes:  # whichever worker answers, it reports both workers' pushes
        assert _sample(text, "habit_push_events_total", result="ok") == len(events)
        assert _sample(text, "habit_push_events_total", result="duplicate") == 1
        pushes = _sample(text, "habit_http_request_duration_seconds_count", route="/api/v1/sync/events", status="200")
        assert pushes == len(events) + 1
        assert _sample(text, "habit_http_request_duration_seconds_count", route="/api/v1/security/token", status="401")
        assert _sample(text, "habit_redis_up") == 1
        assert "habit_db_pool_connections_in_use" in text
        assert "habit_db_pool_timeouts_total" in text


def test_failed_login_line_has_the_address_and_not_the_account(pg_url: str) -> None:
    """What fail2ban reads: one line per failed login, with the address and nothing about the account."""
    env = server_env(DATABASE_URL=pg_url, LOGIN_ATTEMPTS_PER_MINUTE="1000")
    with serving(env) as (base, proc):
        name, _token = _register(base)
        for password in ("wrong password 1", "wrong password 2"):
            r = httpx.post(f"{base}/api/v1/security/token", data={"username": name, "password": password})
            assert r.status_code == 401
        assert httpx.post(f"{base}/api/v1/security/token", data={"username": name, "password": PASSWORD}).is_success
    log = server_output(proc)
    lines = [line for line in log.splitlines() if "failed login" in line]
    assert len(lines) == 2, log[-2000:]
    # The README's fail2ban filter matches them, and finds the client's address.
    failregex = re.compile(r"habit_server\.security: failed login from (?P<host>\S+)$")
    assert all(m and m["host"] == "127.0.0.1" for m in map(failregex.search, lines)), lines
    assert not any(name in line or "wrong" in line for line in lines)


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-c", "from habit_server.main import main; main()", *args]
    return subprocess.run(cmd, check=False, env=env, input=stdin, capture_output=True, text=True, timeout=60)


def test_reset_password_reads_stdin_and_logs_out_every_device(pg_url: str) -> None:
    env = server_env(DATABASE_URL=pg_url, LOGIN_ATTEMPTS_PER_MINUTE="1000")
    with serving(env) as (base, _):
        name, token = _register(base)
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{base}/api/v1/users/me", headers=headers).status_code == 200
        weak = _cli(env, "reset-password", name, stdin="short\n")
        assert weak.returncode != 0 and "characters" in weak.stderr
        assert _cli(env, "reset-password", f"nobody{uuid7()[-6:]}", stdin="a new long password\n").returncode != 0
        done = _cli(env, "reset-password", name, stdin="a new long password\n")
        assert done.returncode == 0, done.stderr
        assert "1 devices logged out" in done.stderr
        assert httpx.get(f"{base}/api/v1/users/me", headers=headers).status_code == 401
        old = httpx.post(f"{base}/api/v1/security/token", data={"username": name, "password": PASSWORD})
        assert old.status_code == 401
        new = httpx.post(f"{base}/api/v1/security/token", data={"username": name, "password": "a new long password"})
        assert new.status_code == 200


async def test_metrics_are_off_unless_enabled(sqlite_url: str) -> None:
    async for api in open_api(make_settings(database_url=sqlite_url), "sqlite"):
        assert (await api.client.get("/metrics")).status_code == 404
        assert "/metrics" not in (await api.client.get("/openapi.json")).json()["paths"]
