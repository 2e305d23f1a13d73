"""Report delivery end to end: how many weekly reports per second ``habit-server worker`` renders and emails.

Starts moto (SQS, S3, SES) as a process on a loopback port, makes a database of this run's own on
the local PostgreSQL (see ``bench/server_push.py``: ``HABIT_BENCH_DATABASE_URL`` /
``HABIT_TEST_DATABASE_URL`` / postgresql://postgres@127.0.0.1:5432/postgres; dropped at the end),
seeds ``--users`` users, each with 50 habits and a year of check-ins (written straight with SQL),
starts the real worker (``habit-server worker`` as a process, default settings), waits until it is
ready, then queues one weekly report per user (at most ``--backlog`` jobs in SQS ahead of the worker:
see :func:`deliver`) and measures until every report is ``sent`` and moto's SES has recorded that
many emails. Prints a Markdown table, with ``python -c pass`` measured in the
same run as the machine's yardstick.

    uv run python bench/worker_bench.py [--users 200] [--processes 0] [--concurrency 4] [--backlog 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fixtures import bench_habit, history
from bench.server_push import Stores, _free_port, bench_stores
from sync_protocol.domain.fields import HABIT_FIELD_TABLE, habit_to_fields
from sync_protocol.domain.ids import uuid7

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
REGION = "us-east-1"
HABITS = 50
DAYS = 365
WORKER = [sys.executable, "-c", "from habit_server.main import main; main()", "worker"]


def baseline(runs: int = 10) -> float:
    """Median seconds of ``python -c pass`` (this machine's speed right now)."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


@dataclass(frozen=True)
class Moto:
    pid: int
    url: str
    queue_url: str
    bucket: str
    sender: str

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.url, region_name=REGION)

    def env(self) -> dict[str, str]:
        """The delivery settings of a worker or server that uses this moto."""
        return {
            **CREDENTIALS,
            "SQS_QUEUE_URL": self.queue_url,
            "S3_BUCKET": self.bucket,
            "SES_SENDER": self.sender,
            "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": REGION,
        }

    def emails(self) -> int:
        """The emails moto's SES has recorded."""
        with urllib.request.urlopen(f"{self.url}/moto-api/data.json") as answer:
            return len(json.load(answer).get("ses", {}).get("RawMessage", []))


@contextmanager
def moto_server() -> Iterator[Moto]:
    """moto as a process of its own, with a queue (visibility timeout 30 s), a bucket and a verified sender."""
    os.environ.update(CREDENTIALS)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false"},  # see report_post_bench.py
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto did not start") from None
                time.sleep(0.2)
        sqs = boto3.client("sqs", endpoint_url=url, region_name=REGION)
        queue = sqs.create_queue(QueueName="reports", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
        boto3.client("s3", endpoint_url=url, region_name=REGION).create_bucket(Bucket="reports")
        sender = "reports@bench.example.com"
        boto3.client("ses", endpoint_url=url, region_name=REGION).verify_email_identity(EmailAddress=sender)
        yield Moto(proc.pid, url, queue, "reports", sender)
    finally:
        proc.terminate()
        proc.wait(20)


@contextmanager
def stores_and_moto() -> Iterator[tuple[Stores, Moto] | None]:
    """This run's database and Redis prefix (``bench_stores``), and moto; None when PostgreSQL or Redis is missing."""
    with bench_stores() as stores:
        if stores is None:
            yield None
            return
        with moto_server() as moto:
            yield stores, moto


def machine(python_pass: float) -> str:
    """The machine and its speed now, for the table's heading."""
    return (
        f"machine: nproc {os.cpu_count()}, Linux {platform.release()}, Python {platform.python_version()}\n"
        f"`python -c pass`: {python_pass * 1000:.0f} ms (median of 10, this run)"
    )


# ---- seeding: N users x 50 habits x 1 year, straight with SQL ------------------------------------


def _template(today: date, seed: int = 7) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """One user's habit rows (without the user id) and check-in rows, as bench/fixtures.py makes them."""
    rng = random.Random(seed)
    start = today - timedelta(days=DAYS)
    habits: list[tuple[Any, ...]] = []
    checkins: list[tuple[Any, ...]] = []
    device = uuid7()
    for i in range(HABITS):
        habit = bench_habit(i, start)
        fields = habit_to_fields(habit)
        habits.append((habit.id, *(f.to_column(fields[f.name]) for f in HABIT_FIELD_TABLE), True, False, "{}"))
        for n, (day, value) in enumerate(history(habit, start, today, rng)):
            checkins.append((habit.id, day.isoformat(), value, value is None, "", False, n + 1, device, uuid7()))
    return habits, checkins


HABIT_TABLE_COLUMNS = ["id", *(f.name for f in HABIT_FIELD_TABLE), "created", "deleted", "stamps"]
CHECKIN_COLUMNS = ["habit_id", "date", "value", "skipped", "note", "cleared", "hlc", "device_id", "event_id"]


async def seed(stores: Stores, users: int, today: date) -> list[uuid.UUID]:
    """``users`` users with an email address, each with the same 50 habits and year of check-ins
    (copied inside PostgreSQL from the first user's)."""
    conn = await asyncpg.connect(stores.libpq)
    try:
        now = datetime.now(UTC)
        ids = [uuid.uuid4() for _ in range(users)]
        await conn.copy_records_to_table(
            "users",
            columns=[
                "id",
                "username",
                "username_key",
                "email",
                "nickname",
                "password_hash",
                "role",
                "disabled",
                "created_at",
                "store_id",
                "head_seq",
                "clock",
            ],
            records=[
                (u, f"bench{i}", f"bench{i}", f"bench{i}@example.org", "", "-", "user", False, now, uuid.uuid4(), 0, 0)
                for i, u in enumerate(ids)
            ],
        )
        habits, checkins = _template(today)
        first = ids[0]
        await conn.copy_records_to_table(
            "habits", columns=["user_id", *HABIT_TABLE_COLUMNS], records=[(first, *h) for h in habits]
        )
        await conn.copy_records_to_table(
            "checkins", columns=["user_id", *CHECKIN_COLUMNS], records=[(first, *c) for c in checkins]
        )
        for table, columns in (("habits", HABIT_TABLE_COLUMNS), ("checkins", CHECKIN_COLUMNS)):
            listed = ", ".join(f'"{c}"' for c in columns)
            await conn.execute(
                f"INSERT INTO {table} (user_id, {listed}) "
                f"SELECT u, {listed} FROM {table}, unnest($1::uuid[]) AS u WHERE user_id = $2",
                ids[1:],
                first,
            )
        await conn.execute("ANALYZE")
        return ids
    finally:
        await conn.close()


async def queue_rows(stores: Stores, users: list[uuid.UUID], week_start: date) -> list[uuid.UUID]:
    """One ``queued`` weekly report per user (what POST /reports or the scheduler stores)."""
    conn = await asyncpg.connect(stores.libpq)
    try:
        now = datetime.now(UTC)
        ids = [uuid.uuid4() for _ in users]
        await conn.copy_records_to_table(
            "reports",
            columns=["id", "user_id", "period", "start", "status", "error", "size", "delivery_key", "created_at"],
            records=[
                (r, u, "week", week_start.isoformat(), "queued", "", 0, f"{u}:bench", now)
                for r, u in zip(ids, users, strict=True)
            ],
        )
        return ids
    finally:
        await conn.close()


async def deliver(stores: Stores, moto: Moto, reports: list[str], backlog: int, limit: float, worker: Worker) -> float:
    """Seconds from the first job sent to SQS until every report is ``sent`` (polled every 0.1 s).

    With ``backlog`` > 0, jobs are sent as the worker delivers, so that at most ``backlog`` wait in
    the queue; 0 sends them all at once. moto's ReceiveMessage costs CPU in proportion to the messages
    in the queue (it recounts the queue's attributes for each message it hands out: ~13 ms of moto's
    CPU per message with 300 queued, measured), which SQS does not; a bounded backlog keeps that
    artefact out of the worker's figure, and 0 shows it."""
    sqs = moto.client("sqs")
    conn = await asyncpg.connect(stores.libpq)
    try:
        began = time.perf_counter()
        fed = 0
        while True:
            sent = await conn.fetchval("SELECT count(*) FROM reports WHERE status = 'sent'")
            if sent >= len(reports):
                return time.perf_counter() - began
            ahead = len(reports) if backlog <= 0 else sent + backlog
            while fed < min(ahead, len(reports)):
                batch = reports[fed : fed + 10]
                entries = [{"Id": str(n), "MessageBody": json.dumps({"report_id": r})} for n, r in enumerate(batch)]
                await asyncio.to_thread(sqs.send_message_batch, QueueUrl=moto.queue_url, Entries=entries)
                fed += len(batch)
            if time.perf_counter() - began > limit or worker.proc.poll() is not None:
                raise RuntimeError(f"{sent} of {len(reports)} sent after {limit:.0f} s:\n" + worker.tail())
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


# ---- the run -------------------------------------------------------------------------------------


def _own_cpu(pid: int) -> float:
    """CPU seconds (user + system) of one process, from /proc (0 when it cannot be read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]
    except OSError:
        return []


def cpu_split(worker: int, moto: int, backends: list[int]) -> dict[str, float]:
    """CPU seconds so far of the worker's main process, its render processes, moto, and the
    PostgreSQL backends serving the worker."""
    return {
        "worker (main process)": _own_cpu(worker),
        "render processes": sum(_own_cpu(c) for c in _children(worker)),
        "moto (SQS, S3, SES)": _own_cpu(moto),
        "PostgreSQL": sum(_own_cpu(b) for b in backends),
    }


async def backends(stores: Stores) -> list[int]:
    """The PostgreSQL processes connected to this run's database (the worker's pool)."""
    conn = await asyncpg.connect(stores.libpq)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", stores.name
        )
        return [r["pid"] for r in rows]
    finally:
        await conn.close()


class Worker:
    """``habit-server worker`` as a process; its log lines are kept (and the last ones shown on failure)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(WORKER, env=env, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip())
            if "delivering reports" in line:
                self.ready.set()

    def wait_ready(self, limit: float = 120) -> None:
        deadline = time.monotonic() + limit
        while not self.ready.wait(0.2):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the worker did not start:\n" + self.tail())

    def tail(self) -> str:
        return "\n".join(self.lines[-10:])

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


def run(stores: Stores, moto: Moto, args: argparse.Namespace) -> dict[str, Any]:
    today = date.today()
    began = time.perf_counter()
    users = asyncio.run(seed(stores, args.users, today))
    seeded = time.perf_counter() - began
    last_monday = today - timedelta(days=today.weekday() + 7)
    reports = [str(r) for r in asyncio.run(queue_rows(stores, users, last_monday))]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SQS_", "S3_", "SES_", "REPORT_"))},
        **moto.env(),
        "DATABASE_URL": stores.url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "REPORT_PROCESSES": str(args.processes),
        "REPORT_CONCURRENCY": str(args.concurrency),
    }
    worker = Worker(env)
    try:
        worker.wait_ready()
        before = cpu_split(worker.proc.pid, moto.pid, asyncio.run(backends(stores)))
        elapsed = asyncio.run(deliver(stores, moto, reports, args.backlog, args.limit, worker))
        after = cpu_split(worker.proc.pid, moto.pid, asyncio.run(backends(stores)))
    finally:
        code = worker.stop()
    emails = moto.emails()
    if emails != len(reports) or code != 0:
        raise RuntimeError(f"{emails} emails in moto, worker exit {code}:\n" + worker.tail())
    cpu = {k: (after[k] - before[k]) / len(reports) for k in after}
    return {"reports": len(reports), "seconds": elapsed, "seed_s": seeded, "cpu": cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200, help="users, one weekly report each")
    parser.add_argument("--processes", type=int, default=0, help="REPORT_PROCESSES (0: one per CPU)")
    parser.add_argument("--concurrency", type=int, default=4, help="REPORT_CONCURRENCY: jobs the worker holds")
    parser.add_argument(
        "--backlog", type=int, default=40, help="jobs kept queued ahead of the worker (0: all at once; see deliver)"
    )
    parser.add_argument("--limit", type=float, default=600, help="give up after this many seconds")
    args = parser.parse_args()

    python_pass = baseline()
    with stores_and_moto() as both:
        if both is None:
            return 0
        result = run(*both, args)

    cpus = os.cpu_count()
    rate = result["reports"] / result["seconds"]
    print(machine(python_pass))
    print(f"seeded {args.users} users x {HABITS} habits x {DAYS} days in {result['seed_s']:.0f} s\n")
    print("| benchmark | result | target |")
    print("| --- | --- | --- |")
    print(
        f"| weekly reports rendered, stored in S3 and emailed (moto), {args.users} users x 50 habits x 1 year, "
        f"`REPORT_PROCESSES={args.processes or cpus}`, `REPORT_CONCURRENCY={args.concurrency}`, "
        f"{f'at most {args.backlog} jobs queued ahead' if args.backlog > 0 else 'all jobs queued at once'} | "
        f"{rate:.1f} reports/s ({result['reports']} in {result['seconds']:.1f} s) | >= 20 reports/s |"
    )
    print("\n| CPU per report | ms |")
    print("| --- | --- |")
    for name, seconds in result["cpu"].items():
        print(f"| {name} | {seconds * 1000:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
