"""Reminder emails and weekly reports from ``habit-server scheduler``, against PostgreSQL and a moto server."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import pytest

from habit_server.runtime import Runtime
from habit_server.services.reports import job_worker
from habit_server.services.scheduler import tick
from tests.server.aws import Aws, SesGate, open_aws_api, until
from tests.server.commands import Command, delivery_env
from tests.server.conftest import SECRET
from tests.server.support import Account, Api, Device


@pytest.fixture
async def api_aws(pg_url: str, redis_url: str, redis_prefix: str, aws: Aws) -> AsyncIterator[Api]:
    async for api in open_aws_api(pg_url, redis_url, redis_prefix, aws, public_url="https://habit.test"):
        yield api


@pytest.fixture
async def second(api_aws: Api) -> AsyncIterator[Runtime]:
    """Another scheduler's runtime: its own engine (connections), SES and SQS clients, on the same database."""
    rt = Runtime.create(api_aws.rt.settings)
    try:
        yield rt
    finally:
        await rt.close()


def _today() -> date:
    return datetime.now(UTC).date()


async def _user(api: Api, habits: dict[str, list[date]]) -> tuple[Account, str]:
    """A user with an email address and ``habits`` (name -> days done), daily since 20 days ago."""
    address = f"{os.urandom(5).hex()}@example.org"
    me = await api.account(email=address)
    dev = Device()
    events: list[dict[str, Any]] = []
    start = (_today() - timedelta(days=20)).isoformat()
    for name, days in habits.items():
        hid = str(uuid.uuid4())
        events.append(dev.create(hid, name, start_date=start))
        events += [dev.checkin(hid, d.isoformat()) for d in days]
    r = await api.push(me, events)
    assert r.status_code == 200, r.text
    assert all(x["status"] == "ok" for x in r.json()["results"]), r.text
    return me, address


async def _opt_in(api: Api, who: Account, **changes: Any) -> dict[str, Any]:
    body = {"reminders": True, "time": "00:00", "timezone": "UTC", "weekly_report": False, "weekday": 0, **changes}
    r = await api.client.put("/api/v1/users/me/notifications", json=body, headers=who.headers)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _text(mail: Message) -> str:
    assert mail.get_content_type() == "text/plain"
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(mail.get_content_charset() or "utf-8")


async def _both(api: Api, other: Runtime, now: datetime | None = None) -> None:
    """Two schedulers' ticks at once, on separate connections."""
    await asyncio.gather(tick(api.rt, now), tick(other, now))


async def test_one_reminder_per_user_and_day_with_two_schedulers(api_aws: Api, second: Runtime, aws: Aws) -> None:
    api = api_aws
    today = _today()
    streak = [today - timedelta(days=n) for n in (1, 2, 3)]
    ann, ann_mail = await _user(api, {"Stretch": streak, "Floss": [*streak, today]})
    bob, bob_mail = await _user(api, {"Read": streak})
    await _opt_in(api, ann)
    await _opt_in(api, bob, timezone="Europe/Paris")

    # At noon UTC, not the clock's time: from 23:00 UTC on, Paris is already on the next day, where
    # Bob's streak is over (nothing at risk, no email).
    noon = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=12)
    for _ in range(3):
        await _both(api, second, noon)

    (mail,) = aws.emails_to(ann_mail)
    assert mail["From"] == aws.sender
    text = _text(mail)
    assert "Stretch: your 3-day streak breaks unless you do it today" in text
    assert "Floss" not in text  # done today: not at risk
    assert "Read" not in text  # another user's habit
    (bobs,) = aws.emails_to(bob_mail)
    assert "Read" in _text(bobs)
    assert "Stretch" not in _text(bobs)


async def test_no_reminder_before_the_chosen_time_or_when_nothing_is_at_risk(api_aws: Api, aws: Aws) -> None:
    api = api_aws
    today = _today()
    early, early_mail = await _user(api, {"Stretch": [today - timedelta(days=1)]})
    calm, calm_mail = await _user(api, {"Read": [today - timedelta(days=1), today]})
    await _opt_in(api, early, time="23:00")
    await _opt_in(api, calm)
    noon = datetime.combine(today, datetime.min.time(), UTC) + timedelta(hours=12)

    done = await tick(api.rt, noon)
    assert done.ran
    assert aws.emails_to(early_mail) == []
    assert aws.emails_to(calm_mail) == []

    await tick(api.rt, noon + timedelta(hours=11, minutes=30))
    assert len(aws.emails_to(early_mail)) == 1


async def test_unsubscribe_link_stops_the_reminders(api_aws: Api, second: Runtime, aws: Aws) -> None:
    api = api_aws
    long_ago = [_today() - timedelta(days=10)]  # inactive: at risk today and tomorrow
    ann, ann_mail = await _user(api, {"Walk": long_ago})
    bob, bob_mail = await _user(api, {"Walk": long_ago})
    await _opt_in(api, ann)
    await _opt_in(api, bob)
    await _both(api, second)
    (mail,) = aws.emails_to(ann_mail)
    assert "Walk: not done for 10 days" in _text(mail)

    link = mail["List-Unsubscribe"].strip("<>")
    assert link in _text(mail)
    assert link.startswith("https://habit.test/api/v1/unsubscribe?token=")
    parts = urlsplit(link)
    forged = f"{parts.path}?{parts.query[:-3]}AAA"
    assert (await api.client.get(forged)).status_code == 422
    r = await api.client.get(f"{parts.path}?{parts.query}")  # no login
    assert r.status_code == 200, r.text
    assert r.json() == {"unsubscribed": "reminders"}
    ann_now = (await api.client.get("/api/v1/users/me/notifications", headers=ann.headers)).json()
    assert ann_now["reminders"] is False
    bob_now = (await api.client.get("/api/v1/users/me/notifications", headers=bob.headers)).json()
    assert bob_now["reminders"] is True

    tomorrow = datetime.now(UTC) + timedelta(days=1)
    await _both(api, second, tomorrow)
    assert len(aws.emails_to(ann_mail)) == 1
    assert len(aws.emails_to(bob_mail)) == 2


async def test_the_weekly_report_is_queued_once_on_its_weekday(api_aws: Api, second: Runtime, aws: Aws) -> None:
    api = api_aws
    today = _today()
    ann, ann_mail = await _user(api, {"Stretch": [today]})
    bob, _ = await _user(api, {"Read": [today]})
    await _opt_in(api, ann, reminders=False, weekly_report=True, weekday=today.weekday())
    await _opt_in(api, bob, reminders=False, weekly_report=True, weekday=(today.weekday() + 1) % 7)

    for _ in range(2):
        await _both(api, second)

    ann_reports = (await api.client.get("/api/v1/reports", headers=ann.headers)).json()["items"]
    assert len(ann_reports) == 1
    assert ann_reports[0]["period"] == "week"
    assert (await api.client.get("/api/v1/reports", headers=bob.headers)).json()["items"] == []

    # The worker emails it, with a link that turns the weekly report off.
    assert api.rt.delivery is not None
    worker = job_worker(api.rt, api.rt.delivery, wait_seconds=1)
    running = asyncio.create_task(worker.run())
    try:
        # (Polling the report, not moto: moto's data.json can fail while S3 is being written.)
        await until(lambda: _report_sent(api, ann, ann_reports[0]["id"]))
    finally:
        worker.stop.set()
        await running
    (mail,) = aws.emails_to(ann_mail)
    parts = urlsplit(mail["List-Unsubscribe"].strip("<>"))
    r = await api.client.get(f"{parts.path}?{parts.query}")
    assert r.json() == {"unsubscribed": "weekly_report"}
    after = (await api.client.get("/api/v1/users/me/notifications", headers=ann.headers)).json()
    assert after["weekly_report"] is False
    assert (await api.client.get("/api/v1/users/me/notifications", headers=bob.headers)).json()["weekly_report"]


async def _report_sent(api: Api, who: Account, report_id: str) -> bool:
    r = await api.client.get(f"/api/v1/reports/{report_id}?link=1", headers=who.headers)
    return bool(r.json()["status"] == "sent")


@pytest.mark.parametrize(
    "change",
    [{"timezone": "Mars/Olympus_Mons"}, {"timezone": "../../etc/passwd"}, {"timezone": ""}, {"time": "24:00"}],
)
async def test_bad_settings_give_422(api_aws: Api, change: dict[str, Any]) -> None:
    api = api_aws
    me = await api.account()
    body = {"reminders": True, "time": "08:30", "timezone": "Europe/Paris", "weekly_report": True, "weekday": 6}
    r = await api.client.put("/api/v1/users/me/notifications", json={**body, **change}, headers=me.headers)
    assert r.status_code == 422, r.text
    r = await api.client.get("/api/v1/users/me/notifications", headers=me.headers)
    assert r.json()["reminders"] is False  # nothing stored
    r = await api.client.put("/api/v1/users/me/notifications", json=body, headers=me.headers)
    assert r.status_code == 200
    assert (await api.client.get("/api/v1/users/me/notifications", headers=me.headers)).json() == body


async def test_the_access_log_hides_unsubscribe_tokens(api_aws: Api) -> None:
    access = logging.getLogger("uvicorn.access")
    args = ("203.0.113.9:5000", "GET", "/api/v1/unsubscribe?token=c2VjcmV0.bWFj", "1.1", 200)
    record = access.makeRecord(access.name, logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None)
    assert access.filter(record)  # the logger's filters, as logging runs them
    line = record.getMessage()
    assert "/api/v1/unsubscribe" in line
    assert "c2VjcmV0" not in line


SCHEDULER = [sys.executable, "-c", "from habit_server.main import main; main()", "scheduler"]


async def _and_again(api: Api, aws: Aws, first_mail: str, habits: dict[str, list[date]]) -> str:
    """Wait for the email to ``first_mail``; then a second user opts in: by the time their email is
    out, the schedulers running have gone over the first user again. The second user's address."""

    async def has(address: str) -> bool:
        return bool(aws.emails_to(address))

    await until(lambda: has(first_mail))
    bob, bob_mail = await _user(api, habits)
    await _opt_in(api, bob)
    await until(lambda: has(bob_mail))
    return bob_mail


async def test_two_scheduler_processes_send_one_reminder_per_user(api_aws: Api, pg_url: str, aws: Aws) -> None:
    api = api_aws
    long_ago = [_today() - timedelta(days=10)]
    ann, ann_mail = await _user(api, {"Walk": long_ago})
    await _opt_in(api, ann)
    procs = [Command("scheduler", delivery_env(pg_url, aws, SCHEDULER_INTERVAL_SECONDS="0.2")) for _ in range(2)]
    try:
        bob_mail = await _and_again(api, aws, ann_mail, {"Walk": long_ago})
    finally:
        codes = [proc.stop() for proc in procs]
    assert len(aws.emails_to(ann_mail)) == 1
    assert len(aws.emails_to(bob_mail)) == 1
    for proc, code in zip(procs, codes, strict=True):
        assert code == 0, proc.stderr
        assert "scheduler: stopped" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert ann_mail not in proc.stderr and bob_mail not in proc.stderr and "token=" not in proc.stderr


def test_scheduler_without_delivery_settings_says_so_in_one_line(pg_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SQS_", "S3_", "SES_"))}
    env.update(SECRET_KEY=SECRET, DATABASE_URL=pg_url)
    done = subprocess.run(SCHEDULER, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "set SQS_QUEUE_URL, S3_BUCKET and SES_SENDER" in lines[0]


async def test_a_scheduler_killed_while_sending_a_reminder_leaves_it_to_the_next(
    api_aws: Api, pg_url: str, aws: Aws, ses_gate: SesGate
) -> None:
    """SIGKILL while SES holds the reminder: nothing is recorded as sent, so the next scheduler sends
    it, once; and it goes over that user again (with another user's email) without a second one."""
    api = api_aws
    long_ago = [_today() - timedelta(days=10)]
    ann, ann_mail = await _user(api, {"Walk": long_ago})
    await _opt_in(api, ann)
    ses_gate.hold()
    first = Command("scheduler", delivery_env(pg_url, aws, endpoint=ses_gate.url, SCHEDULER_INTERVAL_SECONDS="0.2"))
    try:

        async def held() -> bool:
            return ses_gate.held.is_set()

        await until(held)
    finally:
        first.kill()
    ses_gate.drop()  # SES never got it
    assert aws.emails_to(ann_mail) == []
    second = Command("scheduler", delivery_env(pg_url, aws, SCHEDULER_INTERVAL_SECONDS="0.2"))
    try:
        await _and_again(api, aws, ann_mail, {"Walk": long_ago})
    finally:
        code = second.stop()
    assert len(aws.emails_to(ann_mail)) == 1
    assert code == 0, second.stderr
    assert "Traceback" not in second.stderr
