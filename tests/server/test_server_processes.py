"""Real server processes: two uvicorn servers sharing PostgreSQL and Redis, and the command line."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sync_protocol.domain.ids import uuid7
from tests.server.conftest import SECRET, free_port
from tests.server.support import PASSWORD, Device

pytestmark = pytest.mark.slow


def server_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env |= {"SECRET_KEY": SECRET, "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024", "LOG_LEVEL": "warning"}
    env |= {"SIGNUPS_PER_HOUR": "0"}  # the tests sign many users up from 127.0.0.1
    env |= extra
    return env


_LOGS: dict[int, Path] = {}
"""Where each started server writes its output (a file: a pipe nobody reads fills and blocks the server)."""


def start_server(port: int, env: dict[str, str], *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    """``habit-server`` on ``port``, ready when this returns; its output goes to ``log`` (default: a temporary file)."""
    path = log or Path(tempfile.mkstemp(prefix="habit-server-", suffix=".log")[1])
    cmd = [sys.executable, "-c", "from habit_server.main import main; main()", "--port", str(port), *args]
    with path.open("ab") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    _LOGS[proc.pid] = path
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {server_output(proc)[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


def server_output(proc: subprocess.Popen[bytes]) -> str:
    """What the server printed so far."""
    return _LOGS[proc.pid].read_text(errors="replace")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@contextlib.contextmanager
def serving(env: dict[str, str], *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``habit-server`` on a free port (:func:`start_server`): its base URL and process, stopped at the end."""
    port = free_port()
    proc = start_server(port, env, *args)
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        stop(proc)


@pytest.fixture
def two_servers(pg_url: str, redis_url: str, redis_prefix: str) -> Iterator[tuple[str, str]]:
    env = server_env(DATABASE_URL=pg_url, REDIS_URL=redis_url, HABIT_REDIS_PREFIX=redis_prefix + "procs:")
    ports = [free_port(), free_port()]
    procs = [start_server(p, env) for p in ports]
    try:
        yield f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}"
    finally:
        for proc in procs:
            stop(proc)


def read_hint(lines: Iterator[str], *, past: int = -1) -> int:
    """The head_seq of the next ``hint`` message on an SSE stream that is above ``past``
    (hints may repeat: a server re-announces the head when its subscription is confirmed)."""
    event = None
    for line in lines:
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event == "hint":
            head: int = json.loads(line.split(":", 1)[1])["head_seq"]
            if head > past:
                return head
    raise AssertionError("stream ended")


def test_a_push_to_one_server_is_announced_on_the_other(two_servers: tuple[str, str]) -> None:
    a, b = two_servers
    username = f"p{uuid7()[-8:]}"
    assert httpx.post(f"{a}/api/v1/users", json={"username": username, "password": PASSWORD}).status_code == 201
    token = httpx.post(f"{b}/api/v1/security/token", data={"username": username, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    dev = Device()
    hid = uuid7()
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{b}/api/v1/sync/stream", headers=headers) as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert read_hint(lines) == 0
        r = httpx.post(f"{a}/api/v1/sync/events", json={"events": [dev.create(hid, "Shared")]}, headers=headers)
        assert r.json()["head_seq"] == 1
        assert read_hint(lines, past=0) == 1
        # A REST write on B reaches B's own stream as well.
        httpx.post(f"{b}/api/v1/habits/{hid}/complete", headers=headers)
        assert read_hint(lines, past=1) == 2
    pulled = httpx.get(f"{a}/api/v1/sync/events?after=0", headers=headers).json()
    assert [e["kind"] for e in pulled["events"]] == ["habit.create", "checkin.set"]


def test_the_sqlite_default_starts_with_one_command(tmp_path: Path) -> None:
    db = tmp_path / "family.db"
    env = server_env(DATABASE_URL=f"sqlite:///{db}")
    port = free_port()
    proc = start_server(port, env)
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/readyz").json()["status"] == "ok"
        assert httpx.get(f"{base}/docs").status_code == 200
        assert "/api/v1/sync/events" in httpx.get(f"{base}/openapi.json").json()["paths"]
        # Without Redis the stream hears about pushes through the process's own hub.
        username = f"s{uuid7()[-8:]}"
        httpx.post(f"{base}/api/v1/users", json={"username": username, "password": PASSWORD})
        token = httpx.post(f"{base}/api/v1/security/token", data={"username": username, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        dev = Device()
        with (
            httpx.Client(timeout=10) as client,
            client.stream("GET", f"{base}/api/v1/sync/stream", headers=headers) as stream,
        ):
            lines = stream.iter_lines()
            assert read_hint(lines) == 0
            httpx.post(f"{base}/api/v1/sync/events", json={"events": [dev.create(uuid7(), "Solo")]}, headers=headers)
            assert read_hint(lines, past=0) == 1
    finally:
        stop(proc)
    assert db.exists()


def test_cli_migrate_and_refusals(tmp_path: Path) -> None:
    run = [sys.executable, "-c", "from habit_server.main import main; main()"]

    def cli(*args: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*run, *args], env=environ, capture_output=True, text=True, timeout=60, check=False)

    db = tmp_path / "m.db"
    env = server_env(DATABASE_URL=f"sqlite:///{db}")
    out = cli("migrate", environ=env)
    assert out.returncode == 0, out.stderr
    assert "up to date" in out.stderr
    no_key = {k: v for k, v in env.items() if k != "SECRET_KEY"}
    out = cli("migrate", environ=no_key)
    assert out.returncode != 0
    assert "SECRET_KEY is required" in out.stderr
    out = cli("--workers", "2", environ=env)
    assert out.returncode != 0
    assert "REDIS_URL" in out.stderr
    out = cli("worker", environ=env)
    assert out.returncode == 1
    assert "set SQS_QUEUE_URL, S3_BUCKET and SES_SENDER" in out.stderr
    out = subprocess.run(
        [*run, "set-role", "nobody", "admin"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode != 0
    assert "no user named" in out.stderr


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(p) for p in out.split()]


def _workers(pid: int) -> list[int]:
    """The supervisor's worker processes (multiprocessing also starts a resource tracker)."""
    found = []
    for child in _children(pid):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
            found.append(child)
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_workers_are_supervised_and_stop_cleanly(pg_url: str, redis_url: str, redis_prefix: str) -> None:
    """``--workers 2``: each worker listens with its own socket; a dead worker is replaced; SIGTERM stops all."""
    env = server_env(DATABASE_URL=pg_url, REDIS_URL=redis_url, HABIT_REDIS_PREFIX=redis_prefix + "workers:")
    port = free_port()
    proc = start_server(port, env, "--workers", "2")
    try:
        deadline = time.monotonic() + 20
        while len(_workers(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        first = _workers(proc.pid)
        assert len(first) == 2
        # A second server on the same port is refused, not quietly given half the connections.
        other = subprocess.run(
            [sys.executable, "-c", "from habit_server.main import main; main()", "--port", str(port), "--workers", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert other.returncode != 0
        assert "cannot listen" in other.stderr
        assert "Traceback" not in other.stderr

        os.kill(first[0], 9)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = _workers(proc.pid)
            if len(now) == 2 and first[0] not in now:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the dead worker was not replaced")
        codes = {httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code for _ in range(20)}
        assert codes == {200}
    finally:
        workers = _workers(proc.pid)
        proc.terminate()
        proc.wait(30)
        out = server_output(proc)
    assert proc.returncode == 0
    assert "Traceback" not in out
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or b"zombie" in Path(f"/proc/{pid}/status").read_bytes().lower()
