"""PDF reports over the API, and the delivery worker's job.

With delivery settings (``SQS_QUEUE_URL``...), ``POST /reports`` stores a ``queued`` row, answers,
and sends the row's job to SQS right after (a job that never got there is sent by the workers'
sweep); ``habit-server worker`` renders it, puts it in S3 and emails it (:func:`process_job`).
Without them, the same row is rendered in this process, in a thread, and the PDF stays in the
database. Either way the numbers and the PDF come from :mod:`sync_protocol.report` (the worker
renders in a pool of processes: :mod:`habit_server.delivery.rendering`).

A worker claims a report's email (``ready`` -> ``sending``) in one conditional UPDATE before calling
SES, so a redelivered or concurrent job finds it taken; the claim has a lease, so the report of a
worker that died holding it is sent by the next delivery (:class:`_Claim` says what is left of
"at most once").
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.to_thread
from sqlalchemy import CursorResult, Executable, desc, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.models import REPORTS, USERS
from habit_server.delivery import Delivery
from habit_server.delivery.mail import ReportMail
from habit_server.delivery.rendering import (
    RenderedReport,
    RenderPool,
    ReportInput,
    pool_size,
    render,
)
from habit_server.delivery.storage import report_key
from habit_server.delivery.worker import Worker
from habit_server.runtime import Runtime
from habit_server.services.errors import Invalid, NotFound, ServiceError
from habit_server.services.notifications import unsubscribe_link
from habit_server.services.principal import Principal
from habit_server.services.user_data import stored_rows
from habit_server.services.users import aware
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


@asynccontextmanager
async def _autocommit(rt: Runtime) -> AsyncIterator[AsyncConnection]:
    """A connection whose statements each commit on their own (no BEGIN and COMMIT or ROLLBACK round
    trips): for single writes, and for reads that need no snapshot across statements."""
    async with rt.db.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


async def _alone(rt: Runtime, statement: Executable) -> CursorResult[Any]:
    """Run one writing statement on its own (autocommit)."""
    async with _autocommit(rt) as conn:
        return await conn.execute(statement)


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
    """The report of ``user_id``'s ``period`` holding ``day``, queued once per ``key`` (the scheduler's too).

    With delivery, the stored ``queued`` row is the promise: its SQS job is sent after the answer
    (:func:`_send_job`, batched with the other requests' jobs), and a job SQS never acknowledged (this
    process died, or SQS was down) is sent by the workers' sweep (:func:`send_stranded_jobs`)."""
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
        await _alone(rt, insert(R).values(**row))
    except IntegrityError:
        async with rt.db.connect() as conn:
            found = (await conn.execute(select(*_OUT).where(R.c.delivery_key == delivery_key))).first()
        if found is None:
            raise
        return _out(found)
    if rt.delivery is not None:
        _in_background(_send_job(rt, rt.delivery, report_id))
    else:
        _in_background(_render_in_process(rt, report_id))
    return _out(SimpleNamespace(**row, finished_at=None, s3_key=None))


def _in_background(step: Coroutine[Any, Any, None]) -> None:
    task = asyncio.create_task(step)
    _inflight.add(task)
    task.add_done_callback(_inflight.discard)


async def _send_job(rt: Runtime, delivery: Delivery, report_id: uuid.UUID) -> None:
    """Send a report's SQS job, then record that SQS has it (``job_sent_at``); a failure is left to the sweep."""
    try:
        await delivery.sender.put({"report_id": str(report_id)})
        await _alone(rt, update(R).where(R.c.id == report_id).values(job_sent_at=_now()))
    except Exception as exc:
        log.warning("report %s: its job is not queued yet (%s); the workers' sweep will", report_id, exc)


STRANDED_AFTER = timedelta(minutes=1)
"""A ``queued`` report whose job SQS has not acknowledged after this long is sent by the sweep."""


async def send_stranded_jobs(rt: Runtime, delivery: Delivery, limit: int = 1000) -> int:
    """Send the jobs of the reports ``queued`` for more than :data:`STRANDED_AFTER` whose job SQS never
    acknowledged; how many. Every worker sweeps (at start, then every minute): two sweeps at once may
    send a job twice, which is harmless (:func:`process_job` is idempotent)."""
    unsent = (R.c.status == "queued", R.c.job_sent_at.is_(None), R.c.created_at < _now() - STRANDED_AFTER)
    async with rt.db.connect() as conn:
        ids = [r.id for r in await conn.execute(select(R.c.id).where(*unsent).limit(limit))]
    if ids:
        log.info("sending the jobs of %d reports queued earlier", len(ids))
        await asyncio.gather(*(_send_job(rt, delivery, report_id) for report_id in ids))
    return len(ids)


async def list_reports(rt: Runtime, who: Principal, limit: int) -> list[ReportOut]:
    query = select(*_OUT).where(R.c.user_id == who.user_id).order_by(desc(R.c.created_at)).limit(limit)
    async with rt.db.connect() as conn:
        return [_out(r) for r in await conn.execute(query)]


async def get_report(rt: Runtime, who: Principal, report_id: str, *, link: bool) -> tuple[ReportOut, bytes | None]:
    """The report's state, and its PDF when it is stored (not with ``link``: then ``url`` when in S3)."""
    rid = _id(report_id)
    async with rt.db.connect() as conn:
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


async def _render(rt: Runtime, job: ReportInput, pool: RenderPool | None) -> RenderedReport:
    """Build and render off the event loop: in ``pool`` (the worker), else in a thread,
    ``REPORT_CONCURRENCY`` at once (see :mod:`habit_server.delivery.rendering`)."""
    if pool is not None:
        return await pool.render(job)
    slots = _render_slots.setdefault(
        rt.settings.report_concurrency, anyio.CapacityLimiter(rt.settings.report_concurrency)
    )
    return await anyio.to_thread.run_sync(render, job, limiter=slots)


async def _finish(rt: Runtime, report_id: uuid.UUID, **values: Any) -> None:
    await _alone(rt, update(R).where(R.c.id == report_id).values(finished_at=_now(), **values))


async def _render_in_process(rt: Runtime, report_id: uuid.UUID) -> None:
    try:
        async with _autocommit(rt) as conn:  # the report's row, then the user's rows: one connection
            row = (await conn.execute(select(R.c.user_id, R.c.period, R.c.start).where(R.c.id == report_id))).one()
            habits, checkins = await stored_rows(conn, row.user_id)
        made = await _render(rt, ReportInput(habits, checkins, row.period, date.fromisoformat(row.start)), None)
        await _finish(rt, report_id, status="ready", pdf=made.pdf, size=len(made.pdf))
    except Exception as exc:
        log.warning("report %s failed: %s", report_id, type(exc).__name__)
        try:
            await _finish(rt, report_id, status="failed", error="the report could not be made")
        except Exception:
            log.warning("report %s: could not record the failure", report_id)


async def wait_in_process() -> None:
    """Wait for what requests left running in this process: renders, jobs being sent (tests, shut-down)."""
    while _inflight:
        await asyncio.gather(*list(_inflight), return_exceptions=True)


# ---- the worker's job ---------------------------------------------------------------------------


def _summary_text(made: RenderedReport, username: str) -> str:
    s = made.summary
    rate = "no habit was due" if s.completion_rate is None else f"{round(100 * s.completion_rate)}% of what was due"
    lines = [
        f"Hello {username},",
        "",
        f"{made.title}: you did {rate} ({s.checkins_done} of {s.due} check-ins).",
        f"Habits completed: {s.habits_completed} of {s.habits_total}.",
    ]
    if s.top_streak is not None:
        top = s.top_streak
        lines.append(f"Longest running streak: {top.habit} ({top.unit.text(top.length)}).")
    return "\n".join(lines)


def _stale_before(lease: float) -> datetime:
    """A ``sending`` claim made before this is older than the lease: its worker died."""
    return _now() - timedelta(seconds=lease)


def _stale(claimed_at: datetime | None, lease: float) -> bool:
    """Whether a ``sending`` claim is stale (:func:`_stale_before`). A claim without a time was made
    before claims had one: it is never retaken."""
    return claimed_at is not None and aware(claimed_at) < _stale_before(lease)


class _Claim:
    """The right to email one report: ``ready`` (or a stale ``sending``) -> ``sending``, with a lease.

    A redelivered job may retake a ``sending`` claim whose ``claimed_at`` is older than the lease
    (the queue's visibility timeout): that worker died. While SES is being called, the holder renews
    ``claimed_at`` every third of the lease, so a slow but live call is never retaken.

    What is left of "at most once": a worker that dies (or loses the database) after SES accepted
    the email and before ``sent`` is committed. Its claim goes stale and a redelivery emails the
    report again: that window is at least once, and it is as short as one UPDATE. A worker killed
    before SES answered sends nothing, and the redelivery sends the one email.
    """

    def __init__(self, rt: Runtime, report_id: uuid.UUID, lease: float) -> None:
        self.rt = rt
        self.report_id = report_id
        self.lease = lease
        self.at: datetime | None = None

    async def take(self, **values: Any) -> bool:
        """Claim the email (a ``queued`` report whose PDF was just stored too), writing ``values`` with it."""
        now = _now()
        free = R.c.status.in_(("queued", "ready")) | (
            (R.c.status == "sending") & (R.c.claimed_at < _stale_before(self.lease))
        )
        claim = update(R).where(R.c.id == self.report_id, free).values(status="sending", claimed_at=now, **values)
        done = await _alone(self.rt, claim)
        self.at = now if done.rowcount == 1 else None
        return self.at is not None

    def _mine(self) -> Any:
        return (R.c.id == self.report_id) & (R.c.status == "sending") & (R.c.claimed_at == self.at)

    async def keep(self) -> None:
        """Renew the claim until cancelled (run beside the SES call)."""
        while True:
            await asyncio.sleep(self.lease / 3)
            now = _now()
            done = await _alone(self.rt, update(R).where(self._mine()).values(claimed_at=now))
            if done.rowcount != 1:
                log.warning("report %s: its email claim was taken by another worker", self.report_id)
                return
            self.at = now

    async def release(self) -> None:
        """SES refused: the report is ``ready`` again, for the next delivery."""
        await _alone(self.rt, update(R).where(self._mine()).values(status="ready", claimed_at=None))


async def process_job(
    rt: Runtime, delivery: Delivery, body: dict[str, Any], *, lease: float, pool: RenderPool | None = None
) -> None:
    """Render, store in S3 and email one report; safe to run again for the same report (redelivery).
    ``lease``: how old a ``sending`` claim must be before this job may take it over (see :class:`_Claim`)."""
    rid = body.get("report_id")
    report_id = _id(rid) if isinstance(rid, str) else None
    query = (
        select(R.c.id, R.c.user_id, R.c.period, R.c.start, R.c.status, R.c.s3_key, R.c.claimed_at)
        .add_columns(USERS.c.email, USERS.c.username)
        .join(USERS, USERS.c.id == R.c.user_id)
        .where(R.c.id == report_id)
    )
    async with _autocommit(rt) as conn:  # the job's row, then (mostly) the user's rows: one connection
        row = (await conn.execute(query)).first() if report_id else None
        if row is None or report_id is None:
            raise JobFailed("no such report (its account may be gone)")
        if row.status in (*DONE, "failed"):
            return  # already delivered (a redelivery) or given up
        if row.status == "sending" and not _stale(row.claimed_at, lease):
            raise JobFailed("another worker is sending this report")
        habits, checkins = await stored_rows(conn, row.user_id)
    start = date.fromisoformat(row.start)
    key = row.s3_key or report_key(str(row.user_id), row.period, start)
    made = await _render(rt, ReportInput(habits, checkins, row.period, start), pool)
    stored: dict[str, Any] = {}
    if row.status == "queued":
        await anyio.to_thread.run_sync(delivery.store.put, key, made.pdf)
        stored = {"s3_key": key, "size": len(made.pdf)}  # written with the claim (or no_email): one UPDATE
    if not row.email:
        await _finish(rt, report_id, status="no_email", error="the account has no email address", **stored)
        return
    claim = _Claim(rt, report_id, lease)
    if not await claim.take(**stored):
        return  # another delivery of this job took it
    attach = len(made.pdf) <= rt.settings.report_attach_max_bytes
    link = "" if attach else await anyio.to_thread.run_sync(delivery.store.link, key, rt.settings.report_link_seconds)
    mail = ReportMail(
        to=row.email,
        subject=f"Your habit report: {made.title}",
        summary=_summary_text(made, row.username),
        filename=f"habit-report-{row.period}-{start.isoformat()}.pdf",
        pdf=made.pdf if attach else None,
        link=link,
        unsubscribe=unsubscribe_link(rt, row.user_id, "weekly_report"),
    )
    await _to_the_end(_send(rt, delivery, claim, mail))


async def _send(rt: Runtime, delivery: Delivery, claim: _Claim, mail: ReportMail) -> None:
    keeping = asyncio.create_task(claim.keep())
    try:
        await anyio.to_thread.run_sync(delivery.mailer.send, mail)
    except Exception:
        keeping.cancel()
        await claim.release()
        raise
    finally:
        keeping.cancel()
    await _finish(rt, claim.report_id, status="sent", error="")


async def _to_the_end(step: Coroutine[Any, Any, None]) -> None:
    """Run ``step`` to its end even if this job is cancelled meanwhile (a stop after the grace): a
    claimed email is sent and marked ``sent``, never left half done; then the cancellation goes on."""
    task = asyncio.ensure_future(step)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        if not task.done():
            await task
        raise


async def bury_job(rt: Runtime, body: dict[str, Any]) -> None:
    """A job given up after SQS_MAX_RECEIVES deliveries: its report (if any is left) is ``failed``."""
    rid = body.get("report_id")
    try:
        report_id = uuid.UUID(rid) if isinstance(rid, str) else None
    except ValueError:
        report_id = None
    if report_id is None:
        return
    await _alone(
        rt,
        update(R)
        .where(R.c.id == report_id, R.c.status.not_in(DONE))
        .values(status="failed", error="delivery failed repeatedly", finished_at=_now()),
    )


def job_worker(rt: Runtime, delivery: Delivery, *, wait_seconds: int | None = None) -> Worker:
    """The SQS worker of ``habit-server worker``: :func:`process_job`, rendering in a pool of
    ``REPORT_PROCESSES`` processes (started by :meth:`Worker.run`), holding ``REPORT_CONCURRENCY`` jobs
    per process (so that while some render, others read, store and send); the email claim's lease
    is the queue's visibility timeout."""
    settings = rt.settings
    pool = RenderPool(pool_size(settings.report_processes))

    async def handle(body: dict[str, Any]) -> None:
        await process_job(rt, delivery, body, lease=max(worker.visibility, 1), pool=pool)

    async def on_dead(body: dict[str, Any]) -> None:
        await bury_job(rt, body)

    async def sweep() -> None:
        await send_stranded_jobs(rt, delivery)

    worker = Worker(
        queue=delivery.queue,
        handle=handle,
        on_dead=on_dead,
        sweep=sweep,
        pool=pool,
        concurrency=settings.report_concurrency * pool.size,
        max_receives=settings.sqs_max_receives,
        wait_seconds=settings.sqs_wait_seconds if wait_seconds is None else wait_seconds,
        grace=settings.worker_grace_seconds,
    )
    return worker
