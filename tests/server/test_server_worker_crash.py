"""Crash safety of report delivery: real worker processes killed or stopped in the middle of a job,
against a real moto server and PostgreSQL. Every wait is on a condition (with a bound for a broken
build); nothing depends on how fast the machine is."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import boto3
import pytest
from botocore.config import Config
from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import make_url

from habit_server.db.models import REPORTS
from habit_server.delivery.batching import Batches
from habit_server.delivery.queue import JobQueue
from habit_server.services.reports import JobFailed, job_worker, process_job, send_stranded_jobs, wait_in_process
from habit_server.services.users import aware
from tests.server.aws import Aws, SesGate, open_aws_api, until
from tests.server.commands import Command, delivery_env, gone
from tests.server.conftest import free_port
from tests.server.support import Account, Api


@pytest.fixture
async def api_aws(pg_url: str, redis_url: str, redis_prefix: str, aws: Aws) -> AsyncIterator[Api]:
    async for api in open_aws_api(pg_url, redis_url, redis_prefix, aws, sqs_max_receives=10):
        yield api


async def _report(api: Api) -> tuple[Account, str, str]:
    """An account with an email address and a report queued for it: (account, address, report id)."""
    address = f"{os.urandom(4).hex()}@example.org"
    me = await api.account(email=address)
    r = await api.client.post("/api/v1/reports", json={"period": "week"}, headers=me.headers)
    assert r.status_code == 202, r.text
    return me, address, str(r.json()["id"])


async def _state(api: Api, report_id: str) -> tuple[str, datetime | None]:
    query = select(REPORTS.c.status, REPORTS.c.claimed_at).where(REPORTS.c.id == uuid.UUID(report_id))
    async with api.rt.db.connect() as conn:
        status, claimed_at = (await conn.execute(query)).one()
    return status, aware(claimed_at) if claimed_at is not None else None


async def _deliver(api: Api, report_id: str) -> None:
    """Run a worker on the API's runtime until the report is sent or given up."""
    assert api.rt.delivery is not None
    worker = job_worker(api.rt, api.rt.delivery, wait_seconds=1)
    task = asyncio.create_task(worker.run())
    try:
        await until(lambda: _settled(api, report_id))
    finally:
        worker.stop.set()
        await task


async def _settled(api: Api, report_id: str) -> bool:
    """Sent, or given up: what a test waits for before it says which."""
    return (await _state(api, report_id))[0] in ("sent", "failed")


async def test_a_worker_killed_while_sending_then_restarted_sends_one_email(
    api_aws: Api, aws: Aws, ses_gate: SesGate, pg_url: str
) -> None:
    """SIGKILL after the email was claimed and before SES answered: the report is `sending`, and the
    restarted worker's delivery takes the stale claim over and sends the one email."""
    api = api_aws
    _, address, report_id = await _report(api)
    ses_gate.hold()
    first = Command("worker", delivery_env(pg_url, aws, endpoint=ses_gate.url))
    try:

        async def held() -> bool:
            return ses_gate.held.is_set()

        await until(held)
        status, claimed = await _state(api, report_id)
        assert status == "sending"
        assert claimed is not None

        async def renewed() -> bool:  # a live worker keeps its claim fresh while SES takes its time
            later = (await _state(api, report_id))[1]
            return later is not None and later > claimed

        await until(renewed)
        render_processes = first.children()
        assert render_processes
    finally:
        first.kill()
    ses_gate.drop()  # SES never got that call

    async def orphans_gone() -> bool:
        return all(gone(pid) for pid in render_processes)

    await until(orphans_gone)
    assert (await _state(api, report_id))[0] == "sending"  # what the dead worker left
    second = Command("worker", delivery_env(pg_url, aws))
    try:
        await until(lambda: _settled(api, report_id))
    finally:
        code = second.stop()
    assert (await _state(api, report_id))[0] == "sent", second.stderr
    assert len(aws.emails_to(address)) == 1
    assert code == 0, second.stderr
    assert "Traceback" not in second.stderr


async def _hold_habits(pg_url: str) -> Any:
    """Lock the habits table in a transaction of the test's own: a job waits for it before it renders."""
    conn = await asyncpg.connect(make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False))
    await conn.execute("BEGIN; LOCK TABLE habits IN ACCESS EXCLUSIVE MODE")
    return conn


async def _read_waits(api: Api) -> bool:
    """Whether a worker's read of the habits is waiting for the lock."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query LIKE 'SELECT habits.id%'"
    )
    async with api.rt.db.connect() as conn:
        return bool((await conn.execute(query)).scalar())


@pytest.mark.parametrize(
    ("signum", "outcome"),
    [(signal.SIGTERM, "finished"), (signal.SIGTERM, "released"), (signal.SIGINT, "released")],
    ids=["sigterm-finished", "sigterm-released", "ctrl-c-released"],
)
async def test_a_stop_with_a_job_in_hand_exits_cleanly_and_the_report_goes_out_once(
    api_aws: Api, aws: Aws, pg_url: str, signum: int, outcome: str
) -> None:
    """The signal goes to the worker's whole process group (its render processes too) while its job
    waits for the database, before it renders. ``finished``: the job goes on within the grace, renders
    and is sent. ``released``: the grace (0.5 s) runs out first; the job is made visible again at once
    and the next worker sends it."""
    api = api_aws
    _, address, report_id = await _report(api)
    lock = await _hold_habits(pg_url)
    try:
        grace = "0.5" if outcome == "released" else "60"
        worker = Command("worker", delivery_env(pg_url, aws, WORKER_GRACE_SECONDS=grace))
        try:
            await until(lambda: _read_waits(api))
            worker.signal_group(signum)

            async def stopping() -> bool:
                return worker.said("worker: stopping")

            await until(stopping)
            if outcome == "finished":
                await lock.execute("ROLLBACK")
            code = await asyncio.to_thread(worker.wait)
        finally:
            worker.stop()
    finally:
        await lock.close()  # (rolls the lock's transaction back, if it is still open)
    assert code == 0, worker.stderr
    assert "Traceback" not in worker.stderr, worker.stderr
    assert "worker: stopped" in worker.stderr
    if outcome == "finished":
        assert (await _state(api, report_id))[0] == "sent"
    else:
        assert (await _state(api, report_id))[0] == "queued"
        assert [m["Body"] for m in aws.messages(aws.queue_url)] == [f'{{"report_id":"{report_id}"}}']
        aws.client("sqs").send_message(QueueUrl=aws.queue_url, MessageBody=f'{{"report_id":"{report_id}"}}')
        # (sent once more by hand: the one just read is hidden again for the queue's visibility timeout)
        nxt = Command("worker", delivery_env(pg_url, aws))
        try:
            await until(lambda: _settled(api, report_id))
        finally:
            assert nxt.stop() == 0, nxt.stderr
        assert (await _state(api, report_id))[0] == "sent"
    assert len(aws.emails_to(address)) == 1


async def test_a_stale_claim_is_taken_over_and_a_fresh_one_is_not(api_aws: Api, aws: Aws) -> None:
    """A report left `sending` by a worker that died: a redelivery sends it once its claim is older
    than the lease (the queue's visibility timeout), never while the claim is fresh."""
    api = api_aws
    assert api.rt.delivery is not None
    _, address, report_id = await _report(api)
    rid = uuid.UUID(report_id)

    async def claimed(at: datetime) -> None:
        async with api.rt.db.begin() as conn:
            await conn.execute(update(REPORTS).where(REPORTS.c.id == rid).values(status="sending", claimed_at=at))

    await claimed(datetime.now().astimezone())
    with pytest.raises(JobFailed, match="another worker is sending"):
        await process_job(api.rt, api.rt.delivery, {"report_id": report_id}, lease=300)
    assert (await _state(api, report_id))[0] == "sending"
    assert aws.emails_to(address) == []

    await claimed(datetime.now().astimezone() - timedelta(hours=1))
    await _deliver(api, report_id)  # the POST's job, redelivered
    assert (await _state(api, report_id))[0] == "sent"
    assert len(aws.emails_to(address)) == 1


async def _unsent(api: Api, who: Account, age: timedelta) -> str:
    """A report stored ``age`` ago whose job SQS never got (what a server that died leaves behind)."""
    report_id = uuid.uuid4()
    async with api.rt.db.begin() as conn:
        await conn.execute(
            insert(REPORTS).values(
                id=report_id,
                user_id=uuid.UUID(who.user_id),
                period="week",
                start="2026-01-05",
                status="queued",
                error="",
                size=0,
                delivery_key=str(report_id),
                created_at=datetime.now(UTC) - age,
            )
        )
    return str(report_id)


async def test_the_sweep_sends_the_jobs_a_server_stored_and_never_sent(api_aws: Api, aws: Aws) -> None:
    """A report queued a while ago whose job SQS never acknowledged is sent by a worker's sweep (at
    start); one just stored is left to the server that is sending it; one sent is not sent again."""
    api = api_aws
    assert api.rt.delivery is not None
    address = f"{os.urandom(4).hex()}@example.org"
    me = await api.account(email=address)
    stranded = await _unsent(api, me, timedelta(minutes=5))
    fresh = await _unsent(api, me, timedelta(0))
    made = (await api.client.post("/api/v1/reports", json={}, headers=me.headers)).json()["id"]
    await wait_in_process()  # its job is sent (and recorded) after the answer
    assert aws.take(aws.queue_url) == [f'{{"report_id":"{made}"}}']

    assert await send_stranded_jobs(api.rt, api.rt.delivery) == 1
    assert aws.take(aws.queue_url) == [f'{{"report_id":"{stranded}"}}']
    assert await send_stranded_jobs(api.rt, api.rt.delivery) == 0  # sent now
    assert fresh  # (left alone: a minute from now a sweep would send it)


async def test_with_sqs_down_a_report_is_still_accepted_and_goes_out_later(api_aws: Api, aws: Aws) -> None:
    """SQS unreachable when the report is asked for: the API answers 202 all the same (the stored row
    is the promise), and a worker's sweep sends the job once SQS is there."""
    api = api_aws
    assert api.rt.delivery is not None
    working = api.rt.delivery
    dead_sqs = boto3.client(
        "sqs",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
    )
    dead = JobQueue(dead_sqs, aws.queue_url)
    api.rt.delivery = dataclasses.replace(working, queue=dead, sender=Batches(dead.send_batch))
    try:
        _, address, report_id = await _report(api)
        await wait_in_process()
    finally:
        api.rt.delivery = working
    assert aws.messages(aws.queue_url) == []
    async with api.rt.db.begin() as conn:  # a minute later
        await conn.execute(
            update(REPORTS)
            .where(REPORTS.c.id == uuid.UUID(report_id))
            .values(created_at=datetime.now(UTC) - timedelta(minutes=2))
        )
    await _deliver(api, report_id)
    assert (await _state(api, report_id))[0] == "sent"
    assert len(aws.emails_to(address)) == 1
