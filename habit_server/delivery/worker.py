"""The delivery worker's loop: long-poll SQS, run each job with bounded concurrency, delete it only
after success. A failed job comes back after the queue's visibility timeout; after ``max_receives``
deliveries it goes to the dead-letter queue. A stop (SIGTERM) ends the polling, lets the jobs in
hand finish for ``grace`` seconds, and makes the unfinished ones visible again at once. The render
processes (``pool``) start before the first poll and stop after the last job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from habit_server.delivery.batching import Batches
from habit_server.delivery.queue import JobQueue, Message
from habit_server.delivery.rendering import RenderPool

log = logging.getLogger("habit_server.delivery")

Handler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class Worker:
    queue: JobQueue
    handle: Handler
    on_dead: Handler
    """Called with a job's body when it is given up (after ``max_receives`` deliveries)."""
    pool: RenderPool | None = None
    sweep: Callable[[], Awaitable[Any]] | None = None
    """Run at start, then every ``sweep_seconds`` while polling (the jobs never sent: see ``send_stranded_jobs``)."""
    sweep_seconds: float = 60.0
    concurrency: int = 4
    max_receives: int = 5
    wait_seconds: int = 20
    grace: float = 30.0
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    done: int = 0
    failed: int = 0
    visibility: int = 0
    """The queue's visibility timeout (read at start when 0): a job in hand is kept hidden that long again
    every half of it, so a slow job is not delivered to a second worker meanwhile."""
    _jobs: set[asyncio.Task[None]] = field(default_factory=set, init=False)
    _deletes: Batches[Message] = field(init=False)

    def __post_init__(self) -> None:
        self._deletes = Batches(self.queue.delete_batch)  # the jobs done at the same time: one call

    async def run(self) -> None:
        if not self.visibility:
            self.visibility = await asyncio.to_thread(self.queue.visibility_timeout)
        if self.pool is not None:
            await asyncio.to_thread(self.pool.start)
        stopping = asyncio.ensure_future(self.stop.wait())
        processes = f", {self.pool.size} render processes" if self.pool is not None else ""
        log.info("worker: delivering reports from SQS (%d jobs at once%s)", self.concurrency, processes)
        sweeping = asyncio.create_task(self._sweep())
        try:
            while not self.stop.is_set():
                free = self.concurrency - len(self._jobs)
                if free < min(10, max(1, self.concurrency // 2)):  # poll for several jobs at once (SQS gives 10)
                    await asyncio.wait({*self._jobs, stopping}, return_when=asyncio.FIRST_COMPLETED)
                    continue
                poll = asyncio.ensure_future(asyncio.to_thread(self.queue.receive, free, self.wait_seconds))
                await asyncio.wait({poll, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not poll.done():  # stopping: what this poll gets comes back after the visibility timeout
                    poll.add_done_callback(_quiet)
                    break
                try:
                    messages = poll.result()
                except Exception as exc:
                    log.warning("receiving from SQS failed: %s", exc)
                    await _sleep_unless(self.stop, 2.0)
                    continue
                for message in messages:
                    task = asyncio.create_task(self._one(message))
                    self._jobs.add(task)
                    task.add_done_callback(self._jobs.discard)
        finally:
            stopping.cancel()
            sweeping.cancel()
            await asyncio.gather(sweeping, return_exceptions=True)
            if self._jobs:
                log.info("worker: stopping; %d jobs in hand get %g s to finish", len(self._jobs), self.grace)
            await self._finish()
            if self.pool is not None:
                await asyncio.to_thread(self.pool.close)

    async def _sweep(self) -> None:
        while self.sweep is not None and not self.stop.is_set():
            try:
                await self.sweep()
            except Exception as exc:
                log.warning("worker: the sweep failed: %s", exc)
            await _sleep_unless(self.stop, self.sweep_seconds)

    async def _one(self, message: Message) -> None:
        try:
            if message.receives > self.max_receives:
                await self._bury(message)
                return
            heartbeat = asyncio.create_task(self._keep_hidden(message))
            try:
                await self.handle(message.body)
            except asyncio.CancelledError:
                heartbeat.cancel()
                await _quietly(self.queue.release, message)
                raise
            except Exception as exc:
                self.failed += 1
                log.warning("report job failed (delivery %d of %d): %s", message.receives, self.max_receives, exc)
                return  # it comes back after the visibility timeout
            finally:
                heartbeat.cancel()
            await self._deletes.put(message)
            self.done += 1
        except Exception as exc:  # SQS unreachable while deleting or burying: the job comes back
            log.warning("report job: SQS call failed: %s", exc)

    async def _keep_hidden(self, message: Message) -> None:
        while True:
            await asyncio.sleep(max(self.visibility / 2, 0.5))
            try:
                await asyncio.to_thread(self.queue.extend, message, max(self.visibility, 1))
            except Exception as exc:
                log.warning("could not extend a report job's visibility: %s", exc)

    async def _bury(self, message: Message) -> None:
        try:
            await self.on_dead(message.body)
        except Exception as exc:
            log.warning("could not mark a dead report job: %s", exc)
        moved = await asyncio.to_thread(self.queue.dead_letter, message)
        log.warning("report job given up after %d deliveries%s", message.receives, "" if moved else " (dropped)")

    async def _finish(self) -> None:
        if not self._jobs:
            return
        _, pending = await asyncio.wait(set(self._jobs), timeout=self.grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)


def _quiet(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


async def _quietly(call: Callable[[Message], None], message: Message) -> None:
    try:
        await asyncio.to_thread(call, message)
    except Exception as exc:
        log.warning("could not release a report job: %s", exc)


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
