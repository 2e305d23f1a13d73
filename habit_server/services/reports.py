"""PDF reports over the API, and the delivery worker's job.

With delivery settings (``SQS_QUEUE_URL``...), ``POST /reports`` stores a ``queued`` row and sends
a job to SQS; ``habit-server worker`` renders it, puts it in S3 and emails it (:func:`process_job`).
Without them, the same row is rendered in this process, in a thread, and the PDF stays in the
database. Either way the numbers and the PDF come from :mod:`sync_protocol.report`.

The email is sent at most once per report: a worker claims it (``ready`` -> ``sending``) in one
conditional UPDATE before calling SES, so a redelivered or concurrent job finds it taken.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

import anyio
import anyio.to_thread
from sqlalchemy import desc, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.models import CHECKINS, HABITS, REPORTS, USERS
from habit_server.delivery import Delivery
from habit_server.delivery.mail import ReportMail
from habit_server.delivery.storage import report_key
from habit_server.delivery.worker import Worker
from habit_server.runtime import Runtime
from habit_server.services.errors import Invalid, NotFound, ServiceError
from habit_server.services.notifications import unsubscribe_link
from habit_server.services.principal import Principal
from habit_server.services.users import aware
from sync_protocol.domain.checkin import CheckIn
from sync_protocol.domain.fields import HABIT_FIELD_TABLE, habit_from_row
from sync_protocol.domain.habit import Habit
from sync_protocol.report.data import Report, build_report
from sync_protocol.report.period import PeriodKind, ReportPeriod
from sync_protocol.wire.errors import ErrorCode
from sync_protocol.wire.reports import ReportOut, ReportRequest

log = logging.getLogger("habit_server.reports")

R = REPORTS
DONE = ("sent", "no_email")
STORED = ("ready", "sending", *DONE)
FIRST_DAY = date(1970, 1, 1)
_OUT = (R.c.id, R.c.period, R.c.start, R.c.status, R.c.error, R.c.size, R.c.created_at, R.c.finished_at, R.c.s3_key)
_render_slots: dict[int, anyio.CapacityLimiter] = {}
_inflight: set[asyncio.Task[None]] = set()


class DeliveryUnavailable(ServiceError):
    status = 503

    def __init__(self) -> None:
        super().__init__(ErrorCode.NOT_READY, "report delivery is unavailable; try again", headers={"Retry-After": "5"})


class JobFailed(Exception):
    """A job that cannot be done now; SQS delivers it again (and gives up after SQS_MAX_RECEIVES)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _out(row: Any, url: str | None = None) -> ReportOut:
    return ReportOut(
        id=str(row.id),
        period=row.period,
        start=date.fromisoformat(row.start),
        status=row.status,
        error=row.error,
        size=row.size,
        created_at=aware(row.created_at),
        finished_at=aware(row.finished_at) if row.finished_at is not None else None,
        url=url,
    )


def _id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound("report") from None


# ---- the API's use-cases ------------------------------------------------------------------------


async def request_report(
    rt: Runtime, who: Principal, req: ReportRequest, today: date, idempotency_key: str | None = None
) -> ReportOut:
    """Store a ``queued`` report and start it (SQS job, or in-process); the same key gives the same report."""
    day = req.date or today
    if not FIRST_DAY <= day <= today:
        raise Invalid(ErrorCode.VALIDATION_ERROR, f"date: must be between {FIRST_DAY} and today")
    return await enqueue_report(rt, who.user_id, req.period, day, key=idempotency_key)


async def enqueue_report(
    rt: Runtime, user_id: uuid.UUID, period: PeriodKind, day: date, *, key: str | None = None
) -> ReportOut:
    """The report of ``user_id``'s ``period`` holding ``day``, queued once per ``key`` (the scheduler's too)."""
    start = ReportPeriod.containing(period, day).start
    delivery_key = f"{user_id}:{key}" if key else str(uuid.uuid4())
    report_id = uuid.uuid4()
    row = {
        "id": report_id,
        "user_id": user_id,
        "period": period,
        "start": start.isoformat(),
        "status": "queued",
        "error": "",
        "size": 0,
        "delivery_key": delivery_key,
        "created_at": _now(),
    }
    try:
        async with rt.engine.begin() as conn:
            await conn.execute(insert(R).values(**row))
    except IntegrityError:
        async with rt.engine.connect() as conn:
            found = (await conn.execute(select(*_OUT).where(R.c.delivery_key == delivery_key))).first()
        if found is None:
            raise
        return _out(found)
    if rt.delivery is not None:
        try:
            await anyio.to_thread.run_sync(rt.delivery.queue.send, {"report_id": str(report_id)})
        except Exception as exc:
            log.warning("could not queue a report job: %s", type(exc).__name__)
            await _finish(rt, report_id, status="failed", error="could not queue the job")
            raise DeliveryUnavailable() from None
    else:
        task = asyncio.create_task(_render_in_process(rt, report_id))
        _inflight.add(task)
        task.add_done_callback(_inflight.discard)
    async with rt.engine.connect() as conn:
        return _out((await conn.execute(select(*_OUT).where(R.c.id == report_id))).one())


async def list_reports(rt: Runtime, who: Principal, limit: int) -> list[ReportOut]:
    query = select(*_OUT).where(R.c.user_id == who.user_id).order_by(desc(R.c.created_at)).limit(limit)
    async with rt.engine.connect() as conn:
        return [_out(r) for r in await conn.execute(query)]


async def get_report(rt: Runtime, who: Principal, report_id: str, *, link: bool) -> tuple[ReportOut, bytes | None]:
    """The report's state, and its PDF when it is stored (not with ``link``: then ``url`` when in S3)."""
    rid = _id(report_id)
    async with rt.engine.connect() as conn:
        row = (await conn.execute(select(*_OUT, R.c.pdf).where(R.c.id == rid, R.c.user_id == who.user_id))).first()
    if row is None:
        raise NotFound("report")
    if row.status not in STORED:
        return _out(row), None
    if link:
        url = None
        if rt.delivery is not None and row.s3_key:
            url = await anyio.to_thread.run_sync(rt.delivery.store.link, row.s3_key, rt.settings.report_link_seconds)
        return _out(row, url), None
    if row.pdf is not None:
        return _out(row), bytes(row.pdf)
    if rt.delivery is None or not row.s3_key:
        return _out(row), None
    try:
        data = await anyio.to_thread.run_sync(rt.delivery.store.get, row.s3_key)
    except Exception as exc:
        log.warning("could not read a report from S3: %s", type(exc).__name__)
        raise DeliveryUnavailable() from None
    return _out(row), data


# ---- rendering --------------------------------------------------------------------------------------


async def _user_data(conn: AsyncConnection, user_id: uuid.UUID) -> tuple[list[Habit], dict[str, list[CheckIn]]]:
    """The user's live, unarchived habits and their check-ins (what ``habit report`` reads locally)."""
    columns = [HABITS.c.id, *(HABITS.c[f.name] for f in HABIT_FIELD_TABLE)]
    where = (
        HABITS.c.user_id == user_id,
        HABITS.c.created.is_(True),
        HABITS.c.deleted.is_(False),
        HABITS.c.archived.is_(False),
    )
    today = date.today()
    habits = [
        habit_from_row(r["id"], cast(Mapping[str, Any], r), today)
        for r in (await conn.execute(select(*columns).where(*where))).mappings()
    ]
    checkins: dict[str, list[CheckIn]] = {h.id: [] for h in habits}
    rows = await conn.execute(
        select(CHECKINS.c.habit_id, CHECKINS.c.date, CHECKINS.c.value, CHECKINS.c.skipped, CHECKINS.c.note).where(
            CHECKINS.c.user_id == user_id, CHECKINS.c.cleared.is_(False)
        )
    )
    for hid, day, value, skipped, note in rows:
        if hid in checkins:
            checkins[hid].append(CheckIn(date.fromisoformat(day), value, bool(skipped), note))
    return habits, checkins


def _render(
    habits: Sequence[Habit], checkins: dict[str, list[CheckIn]], period: PeriodKind, start: date
) -> tuple[Report, bytes]:
    from sync_protocol.report.pdf import render_pdf

    # The server's date may be a day behind the user's (whose today may start the period).
    report = build_report(habits, checkins, period, start, today=max(date.today(), start))
    return report, render_pdf(report)


async def _build(rt: Runtime, user_id: uuid.UUID, period: PeriodKind, start: date) -> tuple[Report, bytes]:
    """Read the user's data, then build and render off the event loop (a bounded number at once)."""
    async with rt.engine.connect() as conn:
        habits, checkins = await _user_data(conn, user_id)
    slots = _render_slots.setdefault(
        rt.settings.report_concurrency, anyio.CapacityLimiter(rt.settings.report_concurrency)
    )
    return await anyio.to_thread.run_sync(_render, habits, checkins, period, start, limiter=slots)


async def _finish(rt: Runtime, report_id: uuid.UUID, **values: Any) -> None:
    async with rt.engine.begin() as conn:
        await conn.execute(update(R).where(R.c.id == report_id).values(finished_at=_now(), **values))


async def _render_in_process(rt: Runtime, report_id: uuid.UUID) -> None:
    try:
        async with rt.engine.connect() as conn:
            row = (await conn.execute(select(R.c.user_id, R.c.period, R.c.start).where(R.c.id == report_id))).one()
        _, pdf = await _build(rt, row.user_id, row.period, date.fromisoformat(row.start))
        await _finish(rt, report_id, status="ready", pdf=pdf, size=len(pdf))
    except Exception as exc:
        log.warning("report %s failed: %s", report_id, type(exc).__name__)
        try:
            await _finish(rt, report_id, status="failed", error="the report could not be made")
        except Exception:
            log.warning("report %s: could not record the failure", report_id)


async def wait_in_process() -> None:
    """Wait for the in-process renders under way (tests, shut-down)."""
    while _inflight:
        await asyncio.gather(*list(_inflight), return_exceptions=True)


# ---- the worker's job ---------------------------------------------------------------------------


def _summary_text(report: Report, username: str) -> str:
    s = report.summary
    rate = "no habit was due" if s.completion_rate is None else f"{round(100 * s.completion_rate)}% of what was due"
    lines = [
        f"Hello {username},",
        "",
        f"{report.period.title}: you did {rate} ({s.checkins_done} of {s.due} check-ins).",
        f"Habits completed: {s.habits_completed} of {s.habits_total}.",
    ]
    if s.top_streak is not None:
        lines.append(f"Longest running streak: {s.top_streak.habit} ({s.top_streak.length} {s.top_streak.unit}).")
    return "\n".join(lines)


async def process_job(rt: Runtime, delivery: Delivery, body: dict[str, Any]) -> None:
    """Render, store in S3 and email one report; safe to run again for the same report (redelivery)."""
    rid = body.get("report_id")
    report_id = _id(rid) if isinstance(rid, str) else None
    query = (
        select(R.c.id, R.c.user_id, R.c.period, R.c.start, R.c.status, R.c.s3_key, USERS.c.email, USERS.c.username)
        .join(USERS, USERS.c.id == R.c.user_id)
        .where(R.c.id == report_id)
    )
    async with rt.engine.connect() as conn:
        row = (await conn.execute(query)).first() if report_id else None
    if row is None or report_id is None:
        raise JobFailed("no such report (its account may be gone)")
    if row.status in (*DONE, "failed"):
        return  # already delivered (a redelivery) or given up
    if row.status == "sending":
        raise JobFailed("another worker is sending this report")
    start = date.fromisoformat(row.start)
    key = row.s3_key or report_key(str(row.user_id), row.period, start)
    report, pdf = await _build(rt, row.user_id, row.period, start)
    if row.status == "queued":
        await anyio.to_thread.run_sync(delivery.store.put, key, pdf)
        async with rt.engine.begin() as conn:
            await conn.execute(
                update(R)
                .where(R.c.id == report_id, R.c.status == "queued")
                .values(status="ready", s3_key=key, size=len(pdf))
            )
    if not row.email:
        await _finish(rt, report_id, status="no_email", error="the account has no email address")
        return
    async with rt.engine.begin() as conn:
        claimed = await conn.execute(
            update(R).where(R.c.id == report_id, R.c.status == "ready").values(status="sending")
        )
    if claimed.rowcount != 1:
        return  # another delivery of this job took it
    attach = len(pdf) <= rt.settings.report_attach_max_bytes
    link = "" if attach else await anyio.to_thread.run_sync(delivery.store.link, key, rt.settings.report_link_seconds)
    mail = ReportMail(
        to=row.email,
        subject=f"Your habit report: {report.period.title}",
        summary=_summary_text(report, row.username),
        filename=f"habit-report-{row.period}-{start.isoformat()}.pdf",
        pdf=pdf if attach else None,
        link=link,
        unsubscribe=unsubscribe_link(rt, row.user_id, "weekly_report"),
    )
    try:
        await anyio.to_thread.run_sync(delivery.mailer.send, mail)
    except Exception:
        async with rt.engine.begin() as conn:
            await conn.execute(update(R).where(R.c.id == report_id, R.c.status == "sending").values(status="ready"))
        raise
    await _finish(rt, report_id, status="sent", error="")


async def bury_job(rt: Runtime, body: dict[str, Any]) -> None:
    """A job given up after SQS_MAX_RECEIVES deliveries: its report (if any is left) is ``failed``."""
    rid = body.get("report_id")
    try:
        report_id = uuid.UUID(rid) if isinstance(rid, str) else None
    except ValueError:
        report_id = None
    if report_id is None:
        return
    async with rt.engine.begin() as conn:
        await conn.execute(
            update(R)
            .where(R.c.id == report_id, R.c.status.not_in(DONE))
            .values(status="failed", error="delivery failed repeatedly", finished_at=_now())
        )


def job_worker(rt: Runtime, delivery: Delivery, *, wait_seconds: int | None = None) -> Worker:
    """The SQS worker of ``habit-server worker``, doing :func:`process_job` with the settings' bounds."""
    settings = rt.settings

    async def handle(body: dict[str, Any]) -> None:
        await process_job(rt, delivery, body)

    async def on_dead(body: dict[str, Any]) -> None:
        await bury_job(rt, body)

    return Worker(
        queue=delivery.queue,
        handle=handle,
        on_dead=on_dead,
        concurrency=settings.report_concurrency,
        max_receives=settings.sqs_max_receives,
        wait_seconds=settings.sqs_wait_seconds if wait_seconds is None else wait_seconds,
    )
