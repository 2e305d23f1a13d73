"""Everything a user can cause or meet while syncing, through the real ``habit`` command.

Each failure is one line on stderr (``habit: error: ...``), exit code 1 (2 for a usage error), no
traceback; the local database stays consistent, and nothing is lost: what was not pushed stays in
the outbox and the next sync sends it. Faults the real server cannot be made to produce (a 500
mid-pull, a 429, a 413, an answer that is not JSON, another protocol, a server that is not a
habit-server) come from :mod:`tests.sync.proxy`, a fault-injecting proxy in front of it.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from habit_server.services.tokens import make_access
from habit_tui.services.habits import HabitDraft, add_habit
from sync_protocol.domain import events as ev
from sync_protocol.domain.ids import hlc_from_ms, now_ms
from sync_protocol.protocol import MAX_CLOCK_SKEW_MS, SYNC_EVENTS_PATH, SYNC_STATUS_PATH
from tests.habit_cli import HABIT, Result, assert_clean_error
from tests.server.conftest import SECRET
from tests.sync.conftest import (
    PASSWORD,
    TODAY,
    Device,
    Server,
    free_port,
    new_username,
    start_server,
    stop,
    sync_server_env,
)
from tests.sync.proxy import Proxy, Rule, proxy_to

ONE_BACKEND = pytest.mark.parametrize("sync_server", ["sqlite"], indirect=True)
"""For faults of the client and the wire, which do not depend on the server's database."""
GIVE_UP = {"Retry-After": "120"}
"""On a 429 or 5xx: longer than the client's retry budget, so it fails at once instead of retrying."""


# ----- helpers ---------------------------------------------------------------------------------------
def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


def failed(r: Result, code: int = 1) -> str:
    """The one line of a clean failure (printed, for a reader of ``pytest -s``)."""
    assert_clean_error(r, code)
    print(r.err.strip())
    return r.err


def cli_login(device: Device, server: str, user: str, password: str = PASSWORD) -> Result:
    return device.habit("login", "--server", server, "--username", user, "--password-stdin", stdin=password + "\n")


def cli_register(device: Device, server: str, user: str, password: str = PASSWORD, *extra: str) -> Result:
    return device.habit(
        "register",
        "--server",
        server,
        "--username",
        user,
        "--email",
        "",
        "--password-stdin",
        *extra,
        stdin=password + "\n",
    )


def account_file(device: Device) -> Path:
    return device.home / "account.json"


def read_account(device: Device) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(account_file(device).read_text())
    return data


def write_account(device: Device, **changes: Any) -> None:
    """Change fields of account.json in place (its mode stays 0600)."""
    path = account_file(device)
    path.write_text(json.dumps({**read_account(device), **changes}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def sync_state(device: Device) -> dict[str, Any]:
    r = device.habit("sync", "--status", "--json")
    assert r.code == 0, r.err
    state: dict[str, Any] = r.json()
    return state


def synced(device: Device, *args: str) -> dict[str, Any]:
    r = device.habit("sync", "--json", *args)
    assert r.code == 0, r.err
    result: dict[str, Any] = r.json()
    return result


def fill(device: Device, checkins: int, name: str = "Bulk") -> str:
    """A habit with ``checkins`` days of history, recorded as this device's own events (fast, in-process)."""
    with device.session() as s:
        habit = add_habit(s, HabitDraft(name=name), start_date=TODAY - timedelta(days=checkins + 1))
        with s.store.write():
            for i in range(1, checkins + 1):
                day = (TODAY - timedelta(days=i)).isoformat()
                s.store.record(ev.CHECKIN_SET, {"habit_id": habit.id, "date": day, "value": 1.0})
        return habit.id


def events_held(device: Device) -> list[ev.Event]:
    with device.session() as s:
        return s.store.events()


def set_clock(device: Device, ahead_ms: int) -> None:
    """This device's hybrid clock as if its wall clock had been ``ahead_ms`` ahead of the real time."""
    with device.session() as s:
        s.store.set_meta("hlc", str(hlc_from_ms(now_ms() + ahead_ms)))


def pushed_ids(proxy: Proxy) -> list[str]:
    """The event ids of every push the server accepted (answered 200), in order, repeats kept."""
    return [
        e["event_id"]
        for seen in proxy.requests(SYNC_EVENTS_PATH, "POST")
        if seen.status == 200
        for e in json.loads(seen.body)["events"]
    ]


def assert_converged(*devices: Device) -> None:
    lists = [d.list_json() for d in devices]
    assert all(x == lists[0] for x in lists[1:])
    for h in lists[0]:
        shows = [d.habit("show", h["id"], "--json").json() for d in devices]
        assert all(x == shows[0] for x in shows[1:])


def server_env_of(server: Server) -> dict[str, str]:
    """The environment the shared server process runs with (its database), for ``habit-server`` commands."""
    raw = Path(f"/proc/{server.proc.pid}/environ").read_bytes()
    env = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
    extra = {k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "HABIT_REDIS_PREFIX") if k in env}
    return sync_server_env(**extra)


def habit_env(device: Device) -> dict[str, str]:
    """The environment ``Device.habit`` runs the command with, for a process of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HABIT_", "OLLAMA_", "NO_COLOR", "FORCE_COLOR"))}
    return env | {"HABIT_HOME": str(device.home), "HABIT_NOW": device.now}


def wait_for_outbox(device: Device, watch: subprocess.Popen[str], timeout: float = 10) -> None:
    """Until ``habit sync --watch`` has pushed everything; fails when it stops instead."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if watch.poll() is not None:
            raise AssertionError(f"habit sync --watch stopped: {watch.communicate()[1]}")
        with device.session() as s:
            if s.store.outbox_count() == 0:
                return
        time.sleep(0.05)
    raise AssertionError("habit sync --watch did not push the change")


@pytest.fixture
def proxy(sync_server: Server) -> Any:
    with proxy_to(sync_server.url) as p:
        yield p


# ----- 1. the server cannot be reached ---------------------------------------------------------------
def test_an_unreachable_server_keeps_the_changes_for_the_next_sync(sync_server: Server, devices: list[Device]) -> None:
    laptop, desktop, phone = devices
    user = new_username()
    closed = f"http://127.0.0.1:{free_port()}"
    r = cli_login(phone, closed, user)
    failed(r)
    assert "cannot reach the server" in r.err
    assert not account_file(phone).exists()

    p = Proxy(sync_server.url)
    port = p.port
    try:
        laptop.register(p.url, user)
        assert laptop.habit("add", "Read").code == 0
        assert synced(laptop)["pushed"] == 1
    finally:
        p.close()
    assert laptop.habit("done", "Read").code == 0
    assert laptop.habit("add", "Water").code == 0
    r = laptop.habit("sync")
    failed(r)
    assert "cannot reach the server" in r.err and p.url in r.err
    state = sync_state(laptop)  # works offline
    assert state["outbox"] == 2
    # The server is back, but something on the way drops every connection.
    p = Proxy(sync_server.url, port)
    try:
        p.add(Rule(drop=True, times=None))
        r = laptop.habit("sync")
        failed(r)
        assert "cannot reach the server" in r.err
        p.clear()
        assert sync_state(laptop)["outbox"] == 2
        result = synced(laptop)
        assert result["pushed"] == 2
        assert sync_state(laptop)["outbox"] == 0
    finally:
        p.close()
    desktop.login(sync_server.url, user)
    desktop.sync()
    assert_converged(laptop, desktop)
    assert {h["name"]: h["done_today"] for h in desktop.list_json()} == {"Read": True, "Water": False}


# ----- 2. wrong password, a taken username -----------------------------------------------------------
def test_a_wrong_password_or_a_taken_username_saves_nothing(sync_server: Server, devices: list[Device]) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    laptop.register(sync_server.url, user)
    before = account_file(laptop).read_bytes()

    r = cli_login(desktop, sync_server.url, user, "not the password")
    failed(r)
    assert "password" in r.err.lower()
    r = cli_login(desktop, sync_server.url, new_username())
    failed(r)
    r = cli_register(desktop, sync_server.url, user)
    failed(r)
    assert "taken" in r.err.lower() or "exists" in r.err.lower(), r.err
    r = cli_register(desktop, sync_server.url, new_username(), "short")
    failed(r)
    failed(desktop.habit("login", "--username", user, "--password-stdin", stdin=PASSWORD + "\n"), 2)
    failed(cli_login(desktop, "ftp://example.org", user), 2)
    failed(desktop.habit("login", "--server", sync_server.url, "--username", user, "--password-stdin"), 2)
    assert not account_file(desktop).exists()
    assert sync_state(desktop)["server"] is None
    assert "not logged in" in failed(desktop.habit("sync"))

    # A failed login on a device that is logged in leaves its login as it was.
    failed(cli_login(laptop, sync_server.url, user, "not the password"))
    assert account_file(laptop).read_bytes() == before
    assert laptop.habit("sync").code == 0


# ----- 3. tokens: expired, rotated, revoked; a disabled account -------------------------------------
def test_expired_access_tokens_are_refreshed_and_rotation_keeps_working(
    sync_server: Server, devices: list[Device]
) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    laptop.register(sync_server.url, user)
    assert laptop.habit("add", "Read").code == 0
    tokens = [read_account(laptop)["refresh_token"]]
    for day in range(3):
        # The saved access token is past its time (the laptop slept): refreshed before the first request.
        write_account(laptop, access_expires=time.time() - 3600)
        assert laptop.habit("done", "Read", "--date", f"-{day}").code == 0
        assert synced(laptop)["pushed"] >= 1
        tokens.append(read_account(laptop)["refresh_token"])
        assert stat.S_IMODE(account_file(laptop).stat().st_mode) == 0o600
    # This device thinks its token is good, the server says it has expired: refreshed, and retried.
    saved = read_account(laptop)
    expired = make_access(SECRET, uuid.UUID(saved["user_id"]), uuid.UUID(saved["device_id"]), -5)
    write_account(laptop, access_token=expired, access_expires=time.time() + 3600)
    assert laptop.habit("done", "Read", "--date", "-3").code == 0
    assert synced(laptop)["pushed"] == 1
    tokens.append(read_account(laptop)["refresh_token"])
    assert len(set(tokens)) == len(tokens), "every refresh hands out a new refresh token"
    assert laptop.habit("devices", "--json").code == 0
    assert sync_state(laptop)["outbox"] == 0

    # account.json restored from a backup: its refresh token was used already, so the server logs the
    # device out (a stolen token must not work), and says to log in again.
    write_account(laptop, refresh_token=tokens[-2], access_expires=0)
    assert laptop.habit("done", "Read", "--date", "-4").code == 0
    r = laptop.habit("sync")
    failed(r)
    assert "log in again" in r.err
    assert sync_state(laptop)["outbox"] == 1
    assert cli_login(laptop, sync_server.url, user).code == 0
    assert synced(laptop)["pushed"] == 1
    desktop.login(sync_server.url, user)
    desktop.sync()
    assert_converged(laptop, desktop)


def test_a_long_running_sync_and_the_command_line_share_the_rotating_tokens(tmp_path: Path) -> None:
    """``habit sync --watch`` (or the app's background sync) keeps its login in memory for hours while
    ``habit sync`` in another terminal refreshes the tokens; the long-running one must then use the
    refresh token saved by the other, not its own used one (the server would log the device out)."""
    port = free_port()
    server = start_server(
        port, sync_server_env(DATABASE_URL=f"sqlite:///{tmp_path / 'server.db'}", ACCESS_TOKEN_MINUTES="1")
    )
    laptop = Device(tmp_path / "laptop")
    watch, stopped = None, ""
    try:
        url = f"http://127.0.0.1:{port}"
        laptop.register(url, new_username())
        assert laptop.habit("add", "Read").code == 0
        watch = subprocess.Popen(
            [HABIT, "sync", "--watch"], env=habit_env(laptop), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        wait_for_outbox(laptop, watch)
        for day in ("-1", "-2"):
            # A one-minute token is refreshed on every request: each command rotates the refresh token.
            assert laptop.habit("done", "Read", "--date", day).code == 0
            # Whichever of the two pushes it first (the watch sees the change too), it is pushed once.
            assert synced(laptop)["pushed"] in (0, 1)
            assert laptop.habit("done", "Read", "--date", "today" if day == "-2" else "-3").code == 0
            wait_for_outbox(laptop, watch)  # the watch pushes it, with the tokens the command saved
        last = synced(laptop)
        assert last["pushed"] == 0
        assert last["head"] == len(events_held(laptop)) == 1 + 4  # the habit and four check-ins, each once
    finally:
        if watch is not None and watch.poll() is None:
            watch.send_signal(signal.SIGINT)
            stopped = watch.communicate(timeout=10)[1]
        stop(server)
    assert watch is not None and watch.returncode == 0 and "Traceback" not in stopped, stopped


def test_a_device_revoked_elsewhere_is_told_to_log_in_again(sync_server: Server, devices: list[Device]) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    laptop.register(sync_server.url, user)
    desktop.login(sync_server.url, user)
    assert desktop.habit("add", "Water").code == 0
    desktop_id = read_account(desktop)["device_id"]
    listed = laptop.habit("devices", "--json").json()
    assert desktop_id in {d["id"] for d in listed}

    r = laptop.habit("devices", "revoke", desktop_id)
    assert r.code == 0, r.err
    for args in (("sync",), ("devices",), ("sync", "--json")):
        r = desktop.habit(*args)
        failed(r)
        assert r.err.count("log in again") == 1 and "habit login --server" in r.err, r.err
    assert sync_state(desktop)["outbox"] == 1
    failed(laptop.habit("devices", "revoke", "not-a-device"))
    failed(laptop.habit("devices", "revoke", str(uuid.uuid4())))

    assert cli_login(desktop, sync_server.url, user).code == 0
    assert synced(desktop)["pushed"] == 1
    laptop.sync()
    assert_converged(laptop, desktop)


def test_a_disabled_account_is_refused_with_a_clear_message(sync_server: Server, devices: list[Device]) -> None:
    laptop, _, admin_device = devices
    user, admin = new_username(), new_username()
    laptop.register(sync_server.url, user)
    admin_device.register(sync_server.url, admin)
    server_cli = str(Path(sys.executable).with_name("habit-server"))
    done = subprocess.run(
        [server_cli, "set-role", admin, "admin"],
        env=server_env_of(sync_server),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    token = httpx.post(
        f"{sync_server.url}/api/v1/security/token", data={"username": admin, "password": PASSWORD}
    ).json()["access_token"]
    admin_api = httpx.Client(base_url=sync_server.url, headers={"Authorization": f"Bearer {token}"})
    victim = read_account(laptop)["user_id"]
    before = account_file(laptop).read_bytes()
    with admin_api:
        assert admin_api.post(f"/api/v1/admin/users/{victim}/disable").status_code == 200
        assert laptop.habit("add", "Read").code == 0
        for r in (laptop.habit("sync"), cli_login(laptop, sync_server.url, user)):
            failed(r)
            assert "disabled" in r.err, r.err
        assert account_file(laptop).read_bytes() == before
        assert sync_state(laptop)["outbox"] == 1
        assert admin_api.post(f"/api/v1/admin/users/{victim}/enable").status_code == 200
    assert synced(laptop)["pushed"] == 1


# ----- 4. account.json readable by others ------------------------------------------------------------
@ONE_BACKEND
def test_an_account_file_others_can_read_is_refused(sync_server: Server, devices: list[Device]) -> None:
    laptop, *_ = devices
    user = new_username()
    laptop.register(sync_server.url, user)
    assert laptop.habit("add", "Read").code == 0
    path = account_file(laptop)
    path.chmod(0o644)
    before = path.read_bytes()
    for args in (
        ("sync",),
        ("sync", "--json"),
        ("sync", "--status"),
        ("status", "--json"),
        ("sync", "--watch"),
        ("devices",),
        ("devices", "revoke", read_account(laptop)["device_id"]),
        ("logout",),
    ):
        r = laptop.habit(*args)
        failed(r)
        assert str(path) in r.err and "chmod 600" in r.err, (args, r.err)
    assert path.read_bytes() == before
    # Logging in again replaces it with a private one.
    assert cli_login(laptop, sync_server.url, user).code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert synced(laptop)["pushed"] == 1


# ----- 5. a fault-injecting proxy between the client and the server ----------------------------------
@ONE_BACKEND
def test_a_5xx_mid_pull_keeps_the_pages_applied_and_the_rerun_converges(
    sync_server: Server, proxy: Proxy, devices: list[Device]
) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    fill(laptop, 1200)
    laptop.register(sync_server.url, user)
    assert laptop.sync().pushed == 1201
    desktop.login(proxy.url, user)
    assert desktop.habit("add", "Water").code == 0
    proxy.add(
        Rule(SYNC_EVENTS_PATH, method="GET", nth=2, times=None, status=500, headers=GIVE_UP, body=b"Internal Error")
    )
    r = desktop.habit("sync")
    failed(r)
    assert "server had a problem" in r.err, r.err
    state = sync_state(desktop)
    assert state["cursor"] == 1000 and state["outbox"] == 0
    assert len(events_held(desktop)) == 1001
    assert desktop.habit("list", "--json").code == 0

    # A passing failure (one 503 with no Retry-After) is retried without the user noticing.
    proxy.clear()
    proxy.add(Rule(SYNC_EVENTS_PATH, method="GET", status=503, body=error_body("unavailable", "busy")))
    result = synced(desktop)
    assert result["pulled"] == 201 and result["pushed"] == 0
    assert [s.status for s in proxy.requests(SYNC_EVENTS_PATH, "GET")][-2:] == [503, 200]
    laptop.sync()
    assert_converged(laptop, desktop)
    assert len(events_held(desktop)) == len(events_held(laptop)) == 1202


@ONE_BACKEND
@pytest.mark.parametrize(
    ("path", "method", "status", "body", "message"),
    [
        (SYNC_STATUS_PATH, "GET", 200, b"<html><body>Welcome to nginx!</body></html>", "not JSON"),
        (SYNC_EVENTS_PATH, "GET", 200, b'{"events": [{"event_id": ', "not JSON"),
        (SYNC_EVENTS_PATH, "GET", 200, b'{"events": [{"event_id": "x"}], "next": 5, "has_more": false}', "protocol"),
        (SYNC_EVENTS_PATH, "POST", 200, b'{"results": [], "head_seq": 1}', "does not match"),
        (SYNC_EVENTS_PATH, "POST", 502, b"<html>502 Bad Gateway</html>", "server had a problem"),
    ],
)
def test_an_answer_that_is_not_the_protocol_is_a_clean_error(
    sync_server: Server,
    proxy: Proxy,
    devices: list[Device],
    path: str,
    method: str,
    status: int,
    body: bytes,
    message: str,
) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    laptop.register(proxy.url, user)
    assert laptop.habit("add", "Read").code == 0
    assert laptop.habit("done", "Read").code == 0
    proxy.add(Rule(path, method=method, status=status, body=body, headers={"Content-Type": "text/html", **GIVE_UP}))
    r = laptop.habit("sync")
    failed(r)
    assert message in r.err, r.err
    assert laptop.habit("list", "--json").json()[0]["done_today"]
    # Pushed or not, nothing is lost: the rerun completes and another device gets everything.
    synced(laptop)
    assert sync_state(laptop)["outbox"] == 0
    desktop.login(sync_server.url, user)
    desktop.sync()
    assert_converged(laptop, desktop)


@ONE_BACKEND
def test_a_429_is_waited_out_and_a_lasting_one_fails_cleanly(
    sync_server: Server, proxy: Proxy, devices: list[Device]
) -> None:
    laptop, *_ = devices
    laptop.register(proxy.url, new_username())
    assert laptop.habit("add", "Read").code == 0
    proxy.add(
        Rule(SYNC_EVENTS_PATH, method="POST", status=429, headers={"Retry-After": "1"}, body=error_body("rate", "slow"))
    )
    started = time.monotonic()
    result = synced(laptop)
    assert time.monotonic() - started >= 1.0
    assert result["pushed"] == 1
    assert [s.status for s in proxy.requests(SYNC_EVENTS_PATH, "POST")] == [429, 200]

    assert laptop.habit("done", "Read").code == 0
    proxy.add(Rule(SYNC_EVENTS_PATH, method="POST", status=429, times=None, headers=GIVE_UP, body=b"{}"))
    r = laptop.habit("sync")
    failed(r)
    assert "busy" in r.err
    assert sync_state(laptop)["outbox"] == 1


@ONE_BACKEND
def test_a_413_halves_the_batch_until_the_server_takes_it(
    sync_server: Server, proxy: Proxy, devices: list[Device]
) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    fill(laptop, 600)
    laptop.register(proxy.url, user)
    too_large = error_body("payload_too_large", "the request body is too large")
    # A limit no single event fits under: refused, with the event named; everything stays.
    proxy.add(Rule(SYNC_EVENTS_PATH, method="POST", min_body=100, times=None, status=413, body=too_large))
    r = laptop.habit("sync")
    failed(r)
    assert "too large" in r.err
    assert sync_state(laptop)["outbox"] == 601

    proxy.clear()
    limit = 40_000
    proxy.add(Rule(SYNC_EVENTS_PATH, method="POST", min_body=limit, times=None, status=413, body=too_large))
    proxy.seen.clear()
    result = synced(laptop)
    assert result["pushed"] == result["head"] == 601
    pushes = proxy.requests(SYNC_EVENTS_PATH, "POST")
    assert any(s.status == 413 for s in pushes)
    assert all(len(s.body) <= limit for s in pushes if s.status == 200)
    ids = pushed_ids(proxy)
    assert len(ids) == len(set(ids)) == 601
    assert sync_state(laptop)["outbox"] == 0
    desktop.login(sync_server.url, user)
    assert desktop.sync().pulled == 601
    assert_converged(laptop, desktop)


@ONE_BACKEND
def test_an_incompatible_server_is_named(sync_server: Server, proxy: Proxy, devices: list[Device]) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    laptop.register(proxy.url, user)
    assert laptop.habit("add", "Read").code == 0
    # A server of a later protocol answers with its version.
    proxy.add(Rule(times=None, headers={"X-Habit-Protocol": "2"}))
    r = laptop.habit("sync")
    failed(r)
    assert "protocol 2" in r.err, r.err
    r = cli_login(desktop, proxy.url, user)
    failed(r)
    assert "protocol 2" in r.err
    assert not account_file(desktop).exists()
    # A server that refuses this client's protocol says so; the real server's own answer.
    proxy.clear()
    proxy.add(Rule(times=None, request_headers={"X-Habit-Protocol": "2"}))
    r = laptop.habit("sync")
    failed(r)
    assert "cannot sync with this version of habit" in r.err, r.err
    assert sync_state(laptop)["outbox"] == 1
    proxy.clear()
    assert synced(laptop)["pushed"] == 1


@ONE_BACKEND
def test_a_server_that_is_not_a_habit_server(sync_server: Server, proxy: Proxy, devices: list[Device]) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    laptop.register(proxy.url, user)
    assert laptop.habit("add", "Read").code == 0
    proxy.add(Rule(times=None, status=404, body=b"404 page not found", headers={"Content-Type": "text/plain"}))
    for r in (laptop.habit("sync"), cli_login(desktop, proxy.url, user), cli_register(desktop, proxy.url, user)):
        failed(r)
        assert "does not answer like a habit-server" in r.err, r.err
    assert not account_file(desktop).exists()
    assert sync_state(laptop)["outbox"] == 1


# ----- 6. clock skew ----------------------------------------------------------------------------------
def test_a_device_hours_ahead_merges_by_its_clock(sync_server: Server, tmp_path: Path) -> None:
    laptop = Device(tmp_path / "laptop", now=f"{TODAY.isoformat()}T17:00:00")  # 5 h ahead
    desktop = Device(tmp_path / "desktop")
    user = new_username()
    laptop.register(sync_server.url, user)
    desktop.login(sync_server.url, user)
    assert laptop.habit("add", "Read").code == 0
    laptop.sync()
    desktop.sync()
    set_clock(laptop, 5 * 3600 * 1000)
    # Both edit offline; the laptop first by the real time, but 5 h later by its clock.
    assert laptop.habit("edit", "Read", "--name", "Read books").code == 0
    assert laptop.habit("done", "Read books").code == 0
    assert desktop.habit("edit", "Read", "--name", "Read papers").code == 0
    assert desktop.habit("done", "Read", "--date", "yesterday").code == 0
    for device in (laptop, desktop, laptop):
        assert device.habit("sync").code == 0
    assert_converged(laptop, desktop)
    (habit,) = desktop.list_json()
    assert habit["name"] == "Read books"
    days = {c["date"] for c in desktop.habit("show", habit["id"], "--json").json()["checkins"]}
    assert days == {TODAY.isoformat(), (TODAY - timedelta(days=1)).isoformat()}
    # The desktop has seen the laptop's clock now, so its next edit is later than the laptop's.
    assert desktop.habit("edit", "Read books", "--name", "Read novels").code == 0
    for device in (desktop, laptop):
        assert device.habit("sync").code == 0
    assert_converged(laptop, desktop)
    assert [h["name"] for h in laptop.list_json()] == ["Read novels"]


def test_a_clock_far_ahead_is_refused_and_the_changes_kept(sync_server: Server, devices: list[Device]) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    laptop.register(sync_server.url, user)
    assert laptop.habit("add", "Read").code == 0
    laptop.sync()
    assert laptop.habit("add", "Water").code == 0
    set_clock(laptop, MAX_CLOCK_SKEW_MS + 3600 * 1000)
    assert laptop.habit("done", "Read").code == 0
    for _ in range(2):
        r = laptop.habit("sync")
        failed(r)
        assert "clock" in r.err and "far ahead" in r.err, r.err
        assert sync_state(laptop)["outbox"] == 1
    # What the clock did not spoil was pushed.
    desktop.login(sync_server.url, user)
    desktop.sync()
    assert {h["name"]: h["done_today"] for h in desktop.list_json()} == {"Read": False, "Water": False}
    assert laptop.habit("list", "--json").json()[0]["done_today"]


# ----- 7. `habit done` in another process while a sync runs --------------------------------------------
@ONE_BACKEND
def test_writes_during_a_sync_are_neither_lost_nor_pushed_twice(
    sync_server: Server, proxy: Proxy, devices: list[Device]
) -> None:
    laptop, desktop, _ = devices
    user = new_username()
    fill(laptop, 2500)
    assert laptop.habit("add", "Read").code == 0
    laptop.register(proxy.url, user)
    proxy.add(Rule(SYNC_EVENTS_PATH, method="POST", times=None, delay=1.0))  # a slow network: 5 pages, 5 s
    running = subprocess.Popen(
        [HABIT, "sync", "--json"], env=habit_env(laptop), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while not proxy.requests(SYNC_EVENTS_PATH, "POST") and time.monotonic() < deadline:
            time.sleep(0.02)
        for day in ("today", "yesterday", "-2"):
            r = laptop.habit("done", "Read", "--date", day)
            assert r.code == 0, r.err
        assert running.poll() is None, "the sync should still be running"
        out, err = running.communicate(timeout=60)
    finally:
        if running.poll() is None:
            running.kill()
    assert running.returncode == 0, err
    first = json.loads(out)
    second = synced(laptop)
    assert first["pushed"] + second["pushed"] == second["head"] == 2500 + 2 + 3
    assert sync_state(laptop)["outbox"] == 0
    mine = events_held(laptop)
    ids = pushed_ids(proxy)
    assert not [i for i, n in Counter(ids).items() if n > 1], "an event was pushed twice"
    assert set(ids) == {e.event_id for e in mine}
    assert sorted(e.device_seq for e in mine) == list(range(1, len(mine) + 1))
    desktop.login(sync_server.url, user)
    assert desktop.sync().pulled == 2505
    assert_converged(laptop, desktop)
    days = {c["date"] for c in desktop.habit("show", "Read", "--json").json()["checkins"]}
    assert len(days) == 3
