"""Report delivery through SQS, S3 and SES, against a real moto server on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import boto3
import httpx
import pypdf
import pytest
from botocore.config import Config

from habit_server.delivery.mail import Mailer
from habit_server.delivery.worker import Worker
from habit_server.services.reports import job_worker
from tests.server.aws import Aws, open_aws_api, pdf_attachments, until
from tests.server.commands import Command, command_env, delivery_env
from tests.server.conftest import free_port, make_settings, open_api
from tests.server.support import PASSWORD, Account, Api


@pytest.fixture
async def api_aws(pg_url: str, redis_url: str, redis_prefix: str, aws: Aws) -> AsyncIterator[Api]:
    async for api in open_aws_api(pg_url, redis_url, redis_prefix, aws, sqs_max_receives=2):
        yield api


async def _run_worker(api: Api, done: Any, **options: Any) -> Worker:
    """Run a worker on the API's runtime until ``done()``, then stop it (SIGTERM's path)."""
    assert api.rt.delivery is not None
    worker = job_worker(api.rt, api.rt.delivery, wait_seconds=1)
    for name, value in options.items():
        setattr(worker, name, value)
    task = asyncio.create_task(worker.run())
    try:
        await until(done)
    finally:
        worker.stop.set()
        await task
    return worker


async def _status(api: Api, who: Account, report_id: str) -> str:
    r = await api.client.get(f"/api/v1/reports/{report_id}?link=1", headers=who.headers)
    assert r.status_code in (200, 202), r.text
    status: str = r.json()["status"]
    return status


async def _post(api: Api, who: Account, **body: Any) -> dict[str, Any]:
    r = await api.client.post("/api/v1/reports", json=body, headers=who.headers)
    assert r.status_code == 202, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_post_to_email_with_the_pdf_and_the_s3_object(api_aws: Api, aws: Aws) -> None:
    api = api_aws
    address = f"{os.urandom(4).hex()}@example.org"
    me = await api.account(email=address)
    habit = await api.create_habit(me, name="Stretch")
    await api.client.post(f"/api/v1/habits/{habit['id']}/complete", json={}, headers=me.headers)

    made = await _post(api, me, period="week")
    assert made["status"] == "queued"
    await _run_worker(api, lambda: _sent(api, me, made["id"]))

    mails = aws.emails_to(address)
    assert len(mails) == 1
    mail = mails[0]
    assert mail["To"] == address
    assert mail["From"] == aws.sender
    (attached,) = pdf_attachments(mail)
    assert attached.startswith(b"%PDF")
    assert "Stretch" in "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(attached)).pages)
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
    body = text.decode() if isinstance(text, bytes) else ""
    assert f"Hello {me.username}," in body
    assert "Longest running streak: Stretch (1 day)." in body  # the unit in words, as the PDF says it

    start = date.fromisoformat(made["start"])
    key = f"reports/{me.user_id}/{start.year}/week-{start.isoformat()}.pdf"
    assert aws.object(key) == attached

    r = await api.client.get(f"/api/v1/reports/{made['id']}", headers=me.headers)
    assert r.status_code == 200
    assert r.content == attached  # read back from S3
    link = (await api.client.get(f"/api/v1/reports/{made['id']}?link=1", headers=me.headers)).json()["url"]
    assert link.startswith(aws.url)
    async with httpx.AsyncClient() as plain:
        assert (await plain.get(link)).content == attached
    assert aws.messages(aws.queue_url) == []  # deleted after success


async def _sent(api: Api, who: Account, report_id: str) -> bool:
    return await _status(api, who, report_id) == "sent"


async def test_a_redelivered_job_sends_one_email(api_aws: Api, aws: Aws) -> None:
    api = api_aws
    address = f"{os.urandom(4).hex()}@example.org"
    me = await api.account(email=address)
    made = await _post(api, me)
    sqs = aws.client("sqs")
    for _ in range(3):  # the same job three more times, handled at once by a worker of 4
        sqs.send_message(QueueUrl=aws.queue_url, MessageBody=json.dumps({"report_id": made["id"]}))

    async def drained() -> bool:
        attrs = sqs.get_queue_attributes(
            QueueUrl=aws.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        empty = attrs["ApproximateNumberOfMessages"] == attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
        return empty and await _sent(api, me, made["id"])

    await _run_worker(api, drained)
    sqs.send_message(QueueUrl=aws.queue_url, MessageBody=json.dumps({"report_id": made["id"]}))  # after it was sent
    await _run_worker(api, drained)
    assert len(aws.emails_to(address)) == 1
    assert aws.messages(aws.dlq_url) == []


async def test_ses_down_then_up_sends_one_email(api_aws: Api, aws: Aws) -> None:
    """SES refuses connections: the job fails, comes back after the visibility timeout, and is sent once SES is back."""
    api = api_aws
    address = f"{os.urandom(4).hex()}@example.org"
    me = await api.account(email=address)
    made = await _post(api, me)
    assert api.rt.delivery is not None
    dead_ses = boto3.client(
        "sesv2",
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
    )
    broken = dataclasses.replace(api.rt.delivery, mailer=Mailer(dead_ses, aws.sender))
    worker = job_worker(api.rt, broken, wait_seconds=1)
    task = asyncio.create_task(worker.run())

    async def failed() -> bool:
        return worker.failed >= 1

    try:
        await until(failed)
    finally:
        worker.stop.set()
        await task
    assert await _status(api, me, made["id"]) == "ready"  # stored in S3, the email not claimed
    assert aws.emails_to(address) == []
    await _run_worker(api, lambda: _sent(api, me, made["id"]))
    assert len(aws.emails_to(address)) == 1


async def test_a_job_that_keeps_failing_goes_to_the_dead_letter_queue(api_aws: Api, aws: Aws) -> None:
    api = api_aws
    me = await api.account(email=f"{os.urandom(4).hex()}@example.org")
    made = await _post(api, me)
    gone = await api.client.request("DELETE", "/api/v1/users/me", json={"password": PASSWORD}, headers=me.headers)
    assert gone.status_code == 204, gone.text  # the account and its report are gone: the job cannot be done
    aws.client("sqs").send_message(QueueUrl=aws.queue_url, MessageBody="not json at all")

    dead: list[dict[str, Any]] = []

    async def buried() -> bool:
        dead.extend(aws.messages(aws.dlq_url))
        return len(dead) == 2

    worker = await _run_worker(api, buried)
    assert sorted(m["Body"] for m in dead) == sorted(
        [json.dumps({"report_id": made["id"]}, separators=(",", ":")), "not json at all"]
    )
    assert worker.failed >= 4  # each failed SQS_MAX_RECEIVES (2) times before it was given up
    assert aws.messages(aws.queue_url) == []


async def test_without_an_email_the_report_is_stored_not_sent(api_aws: Api, aws: Aws) -> None:
    api = api_aws
    me = await api.account()
    made = await _post(api, me, period="month")

    async def stored() -> bool:
        return await _status(api, me, made["id"]) == "no_email"

    await _run_worker(api, stored)
    r = await api.client.get(f"/api/v1/reports/{made['id']}?link=1", headers=me.headers)
    assert r.json()["error"] == "the account has no email address"
    start = date.fromisoformat(made["start"])
    assert aws.object(f"reports/{me.user_id}/{start.year}/month-{start.isoformat()}.pdf").startswith(b"%PDF")


async def test_a_pdf_above_the_limit_is_linked_not_attached(
    pg_url: str, redis_url: str, redis_prefix: str, aws: Aws
) -> None:
    settings = make_settings(
        database_url=pg_url, redis_url=redis_url, redis_prefix=redis_prefix, **aws.settings(report_attach_max_bytes=100)
    )
    address = f"{os.urandom(4).hex()}@example.org"
    async for api in open_api(settings, "postgres"):
        me = await api.account(email=address)
        made = await _post(api, me)

        async def sent(api: Api = api, me: Account = me, report_id: str = made["id"]) -> bool:
            return await _sent(api, me, report_id)

        await _run_worker(api, sent)
    (mail,) = aws.emails_to(address)
    assert pdf_attachments(mail) == []
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert f"{aws.url}/{aws.bucket}/reports/" in body.decode()


WORKER = [sys.executable, "-c", "from habit_server.main import main; main()", "worker"]


def test_worker_bad_settings_give_one_line(pg_url: str, aws: Aws) -> None:
    cases = {
        "missing S3_BUCKET, SES_SENDER": {"SQS_QUEUE_URL": aws.queue_url},
        "set SQS_QUEUE_URL, S3_BUCKET and SES_SENDER": {},
        "SQS_QUEUE_URL/SQS_DLQ_URL: ": {
            "SQS_QUEUE_URL": aws.queue_url + "-missing",
            "S3_BUCKET": aws.bucket,
            "SES_SENDER": aws.sender,
            "AWS_ENDPOINT_URL": aws.url,
        },
        "S3_BUCKET: ": {
            "SQS_QUEUE_URL": aws.queue_url,
            "S3_BUCKET": aws.bucket + "-missing",
            "SES_SENDER": aws.sender,
            "AWS_ENDPOINT_URL": aws.url,
        },
    }
    for expected, env in cases.items():
        done = subprocess.run(
            WORKER, check=False, env=command_env(pg_url, **env), capture_output=True, text=True, timeout=60
        )
        assert done.returncode != 0
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, done.stderr
        assert expected in lines[0]
        assert "Traceback" not in done.stderr


async def test_worker_command_starts_and_stops_on_sigterm(pg_url: str, aws: Aws) -> None:
    worker = Command("worker", delivery_env(pg_url, aws))
    try:

        async def ready() -> bool:
            return worker.said("delivering reports")

        await until(ready)
    finally:
        code = worker.stop()
    assert code == 0, worker.stderr
    assert "worker: stopped" in worker.stderr
