"""``habit-server scheduler``: the daily reminder emails and the weekly reports, once per user and day.

Every minute (``SCHEDULER_INTERVAL_SECONDS``) one tick looks at the users who opted in
(:mod:`habit_server.services.notifications`) and whose local time of day has passed their ``time``:

- the **reminder** lists the habits due and at risk today (:func:`sync_protocol.coach.facts.at_risk_facts`,
  as ``GET /habits/at-risk`` does), with the streak that will break, and goes out through SES
  (:class:`habit_server.delivery.mail.Mailer`, the reports' path). Its ``sent`` row is inserted in a
  transaction that is committed only once SES has answered: the table's key (user, kind, local date)
  lets one insert win (a second scheduler's insert waits for the first one's transaction, then
  fails), so a user never gets two reminders on one day, whatever the number of schedulers. A
  scheduler killed before SES answered leaves nothing behind (the database rolls its transaction
  back), and the next tick sends the reminder. What is left: killed after SES accepted the email and
  before the commit, the reminder is sent again by the next tick (at least once, for the time of one
  COMMIT). A send SES refuses is recorded ``failed`` and not retried that day. On SQLite the write
  lock is held for the SES call.
- the **weekly report** goes out on the chosen weekday: :func:`enqueue_report` with the key
  ``weekly:{user}:{date}`` (idempotent: one report per key), then its ``sent`` row. A scheduler killed
  in between leaves no ``sent`` row, so the next tick does it again; a report stored whose job was
  never sent is sent by the workers' sweep (:func:`habit_server.services.reports.send_stranded_jobs`).

With several replicas, a tick runs only where it holds a PostgreSQL advisory lock (a transaction-level
``pg_try_advisory_xact_lock``: released by the database even if this process dies); the others skip
that minute. On SQLite there is one process and no lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from habit_server.db.models import NOTIFICATIONS, SENT, USERS, utcnow
from habit_server.delivery import Delivery
from habit_server.delivery.mail import TextMail
from habit_server.runtime import Runtime
from habit_server.services.notifications import unsubscribe_link
from habit_server.services.reports import enqueue_report
from habit_server.services.user_data import habits_and_checkins
from sync_protocol.coach.facts import HabitFacts, at_risk_facts

log = logging.getLogger("habit_server.scheduler")

LOCK_KEY = int.from_bytes(b"habitsch")
"""The advisory lock every scheduler of one database competes for."""
N = NOTIFICATIONS


@dataclass
class Tick:
    ran: bool = True
    """False when another scheduler held the lock."""
    reminders: int = 0
    reports: int = 0


@contextlib.asynccontextmanager
async def _leader(rt: Runtime) -> AsyncIterator[bool]:
    if rt.settings.is_sqlite:
        yield True
        return
    async with rt.db.begin() as conn:  # the lock lasts as long as this transaction
        got = (await conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY})).scalar()
        yield bool(got)


async def tick(rt: Runtime, now: datetime | None = None) -> Tick:
    """Send what is due at ``now`` (default: the current time), unless another scheduler is at it."""
    if rt.delivery is None:
        raise RuntimeError("the scheduler needs delivery settings (SQS_QUEUE_URL, S3_BUCKET, SES_SENDER)")
    now = now or datetime.now(UTC)
    async with _leader(rt) as leading:
        if not leading:
            return Tick(ran=False)
        return await _work(rt, rt.delivery, now)


async def _work(rt: Runtime, delivery: Delivery, now: datetime) -> Tick:
    query = (
        select(N, USERS.c.email, USERS.c.username)
        .join(USERS, USERS.c.id == N.c.user_id)
        .where(N.c.reminders.is_(True) | N.c.weekly_report.is_(True), USERS.c.disabled.is_(False))
    )
    async with rt.db.connect() as conn:
        rows = (await conn.execute(query)).all()
    done = Tick()
    for row in rows:
        try:
            local = now.astimezone(ZoneInfo(row.timezone))
            if local.strftime("%H:%M") < row.time:
                continue
            day = local.date()
            if row.reminders:
                done.reminders += await _remind(rt, delivery, row, day)
            if row.weekly_report and day.weekday() == row.weekday:
                done.reports += await _weekly(rt, row.user_id, day)
        except Exception as exc:  # one user's trouble does not stop the others
            log.warning("scheduler: user %s: %s", row.user_id, type(exc).__name__)
    return done


def _key(user_id: uuid.UUID, kind: str, day: date) -> dict[str, Any]:
    return {"user_id": user_id, "kind": kind, "local_date": day.isoformat()}


async def _already(rt: Runtime, user_id: uuid.UUID, kind: str, day: date) -> bool:
    where = (SENT.c[k] == v for k, v in _key(user_id, kind, day).items())
    async with rt.db.connect() as conn:
        return (await conn.execute(select(SENT.c.status).where(*where))).first() is not None


async def _record(rt: Runtime, user_id: uuid.UUID, kind: str, day: date, status: str) -> bool:
    """Insert the day's ``sent`` row; False when it is there already (another tick or scheduler)."""
    try:
        async with rt.db.begin() as conn:
            await conn.execute(insert(SENT).values(**_key(user_id, kind, day), status=status, created_at=utcnow()))
    except IntegrityError:
        return False
    return True


async def _remind(rt: Runtime, delivery: Delivery, row: Any, day: date) -> int:
    if await _already(rt, row.user_id, "reminder", day):
        return 0
    async with rt.db.connect() as conn:
        habits, checkins = await habits_and_checkins(conn, row.user_id, day)
    facts = await anyio.to_thread.run_sync(lambda: at_risk_facts(habits, checkins, day))
    if not facts or not row.email:
        await _record(rt, row.user_id, "reminder", day, "nothing_due" if not facts else "no_email")
        return 0
    mail = TextMail(
        to=row.email,
        subject=f"{len(facts)} habit{'s' if len(facts) != 1 else ''} at risk today",
        text=reminder_text(row.username, day, facts),
        unsubscribe=unsubscribe_link(rt, row.user_id, "reminders"),
    )
    key = _key(row.user_id, "reminder", day)
    try:
        async with rt.db.begin() as conn:  # committed once SES has answered (see the module's notes)
            await conn.execute(insert(SENT).values(**key, status="sent", created_at=utcnow()))
            try:
                await anyio.to_thread.run_sync(delivery.mailer.send, mail)
            except Exception as exc:
                log.warning("scheduler: the reminder of user %s failed: %s", row.user_id, type(exc).__name__)
                where = (SENT.c[k] == v for k, v in key.items())
                await conn.execute(update(SENT).where(*where).values(status="failed"))
                return 0
    except IntegrityError:
        return 0  # another scheduler (or an earlier tick) has it
    return 1


def _when(end: date, today: date) -> str:
    if end == today:
        return "today"
    return f"by {end.strftime('%A')} {end.isoformat()}"


def reminder_text(username: str, today: date, facts: Sequence[HabitFacts]) -> str:
    lines = [f"Hello {username},", "", f"These habits are due and at risk ({today.isoformat()}):", ""]
    for f in facts:
        if "streak_ends" in f.reasons:
            lines.append(
                f"- {f.name}: your {f.streak_unit.phrase(f.current_streak)} breaks unless you do it "
                f"{_when(f.period_end, today)}"
            )
        else:
            since = "never done" if f.last_done is None else f"not done for {f.days_since_done} days"
            lines.append(f"- {f.name}: {since}")
    return "\n".join(lines)


async def _weekly(rt: Runtime, user_id: uuid.UUID, day: date) -> int:
    if await _already(rt, user_id, "weekly", day):
        return 0
    # The week holding yesterday: on Monday the whole past week, later in the week the days so far.
    key = f"weekly:{user_id}:{day.isoformat()}"
    await enqueue_report(rt, user_id, "week", day - timedelta(days=1), key=key)
    return 1 if await _record(rt, user_id, "weekly", day, "queued") else 0


async def run(rt: Runtime, stop: asyncio.Event) -> None:
    """Tick every ``SCHEDULER_INTERVAL_SECONDS`` until ``stop`` is set."""
    interval = rt.settings.scheduler_interval_seconds
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        started = loop.time()
        try:
            done = await tick(rt)
            if done.reminders or done.reports:
                log.info("scheduler: %d reminders sent, %d weekly reports queued", done.reminders, done.reports)
        except Exception as exc:
            log.warning("scheduler: tick failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, interval - (loop.time() - started)))
