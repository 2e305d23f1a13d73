"""Hints that a user's log grew, for the Server-Sent Events streams of every server process.

A publish reaches this process's streams directly and every other process through Redis
pub/sub on ``{prefix}user:{id}`` (the message is ``{instance}:{head_seq}``; a process ignores
its own). A process subscribes to a user's channel only while it holds a stream of that user,
so a push by a user with no open stream costs no process anything beyond the publish. When a
subscription is confirmed the user's streams are told to re-read their head (a hint of
``None``): a change made while the subscription was on its way is never missed. Without
Redis, or while it is down, hints reach this process only; when the listener reconnects, it
subscribes again and every local stream re-reads its head.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from habit_server.cache.link import RedisLink, RedisUnavailable

log = logging.getLogger("habit_server.hub")

Hint = int | None


@dataclass
class _Job:
    """One caller's share of a coalesced pipeline."""

    message: tuple[str, str] | None
    counters: list[tuple[str, int | None]]
    done: asyncio.Future[list[int] | None]


class Hub:
    def __init__(self, link: RedisLink) -> None:
        self.link = link
        self.instance = uuid.uuid4().hex[:12]
        self._subs: dict[str, set[asyncio.Queue[Hint]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._pubsub: PubSub | None = None
        self._stopping = False
        self.listening = asyncio.Event()
        self._queue: list[_Job] = []
        self._flusher: asyncio.Task[None] | None = None
        self._subscribed: set[str] = set()
        self._sync_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def channel(self, user_id: str) -> str:
        return self.link.key("user", user_id)

    @contextlib.contextmanager
    def subscribe(self, user_id: str) -> Iterator[asyncio.Queue[Hint]]:
        queue: asyncio.Queue[Hint] = asyncio.Queue(maxsize=1)
        first = user_id not in self._subs
        self._subs.setdefault(user_id, set()).add(queue)
        if first:
            self._resync()
        try:
            yield queue
        finally:
            subs = self._subs.get(user_id)
            if subs is not None:
                subs.discard(queue)
                if not subs:
                    del self._subs[user_id]
                    self._resync()

    def _resync(self) -> None:
        """Bring the Redis subscriptions in line with the users that have streams here (soon)."""
        if self._pubsub is None:
            return  # the listener subscribes to everyone when it (re)connects
        task = asyncio.get_running_loop().create_task(self._sync_subscriptions())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _sync_subscriptions(self) -> None:
        async with self._sync_lock:  # one at a time, each from the latest state: the last one wins
            pubsub = self._pubsub
            if pubsub is None:
                return
            wanted = {self.channel(user) for user in self._subs}
            add, drop = wanted - self._subscribed, self._subscribed - wanted
            try:
                if add:
                    await pubsub.subscribe(*add)
                if drop:
                    await pubsub.unsubscribe(*drop)
            except (RedisError, OSError):
                return  # the listener reconnects and subscribes again
            self._subscribed = wanted

    async def publish(
        self, user_id: str, head_seq: int | None, counters: Sequence[tuple[str, int | None]] = ()
    ) -> list[int] | None:
        """Hint every stream of the user (unless ``head_seq`` is None) and ``INCR`` each counter
        ``(key, expiry seconds or None)``. Returns the counters' new values, or None when Redis is
        absent or down (the hint still reaches this process's streams).

        The Redis work of concurrent callers is coalesced: whatever is queued while one pipeline
        is on its way goes out together in the next, so under load a worker spends one round trip
        on many pushes, and each caller still returns only once its own commands were applied.
        """
        done = self.post(user_id, head_seq, counters)
        return None if done is None else await done

    def post(
        self, user_id: str, head_seq: int | None, counters: Sequence[tuple[str, int | None]] = ()
    ) -> asyncio.Future[list[int] | None] | None:
        """:meth:`publish` without waiting for Redis: the future (None without Redis) gets the
        counters' new values, or None when Redis is down."""
        if head_seq is not None:
            self._deliver(user_id, head_seq)
        if not self.link.configured:
            return None
        done: asyncio.Future[list[int] | None] = asyncio.get_running_loop().create_future()
        message = None if head_seq is None else (self.channel(user_id), f"{self.instance}:{head_seq}")
        self._queue.append(_Job(message, list(counters), done))
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        return done

    async def settle(self) -> None:
        """Wait until what was posted so far has gone to Redis (or found it down)."""
        while self._flusher is not None:
            await asyncio.shield(self._flusher)

    async def _flush(self) -> None:
        try:
            while self._queue:
                jobs, self._queue = self._queue, []

                async def send(r: Redis, jobs: list[_Job] = jobs) -> list[Any]:
                    async with r.pipeline(transaction=False) as pipe:
                        for job in jobs:
                            if job.message is not None:
                                pipe.publish(*job.message)
                            for key, expiry in job.counters:
                                pipe.incr(key)
                                if expiry is not None:
                                    pipe.expire(key, expiry)
                        return list(await pipe.execute())

                try:
                    replies: list[Any] | None = await self.link.run(send)
                except RedisUnavailable:
                    replies = None
                at = 0
                for job in jobs:
                    values: list[int] = []
                    if replies is not None:
                        at += job.message is not None
                        for _, expiry in job.counters:
                            values.append(int(replies[at]))
                            at += 1 if expiry is None else 2
                    if not job.done.done():
                        job.done.set_result(values if replies is not None else None)
        finally:
            self._flusher = None

    def _deliver(self, user_id: str, hint: Hint) -> None:
        for queue in self._subs.get(user_id, ()):
            _offer(queue, hint)

    def _deliver_all(self, hint: Hint) -> None:
        for subs in self._subs.values():
            for queue in subs:
                _offer(queue, hint)

    async def start(self) -> None:
        if self.link.configured and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._listen())

    async def stop(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settle(), 2.0)  # the hints and counts of the last writes
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        task.cancel()
        await asyncio.wait({task}, timeout=0.2)
        if not task.done() and self._pubsub is not None:
            # redis-py can sit on a cancelled read; cutting its connection wakes it up.
            connection = self._pubsub.connection
            if connection is not None:
                with contextlib.suppress(RedisError, OSError):
                    await connection.disconnect()
            await asyncio.wait({task}, timeout=2.0)

    async def _listen(self) -> None:
        client = self.link.client
        assert client is not None
        control = self.link.key("hub", self.instance)  # ours alone: the subscription is never empty
        prefix_len = len(self.link.key("user", ""))
        first = True
        while not self._stopping:
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(control)
                self._pubsub, self._subscribed = pubsub, set()
                await self._sync_subscriptions()
                async for message in pubsub.listen():
                    kind = message.get("type")
                    channel = _text(message.get("channel"))
                    if kind == "message":
                        self._on_message(channel, _text(message["data"]), prefix_len)
                    elif kind == "subscribe" and channel == control:  # from now on no hint is missed
                        self.link.mark_up()
                        self.listening.set()
                        if not first:
                            self._deliver_all(None)
                        first = False
                    elif kind == "subscribe":
                        self._deliver(channel[prefix_len:], None)
            except (RedisError, OSError) as exc:
                self.listening.clear()
                if self._stopping:
                    return
                self.link.mark_down(exc)
                await asyncio.sleep(1.0)
            finally:
                self._pubsub = None
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _on_message(self, channel_text: str, text: str, prefix_len: int) -> None:
        instance, _, head = text.partition(":")
        if instance == self.instance:
            return
        try:
            hint: Hint = int(head)
        except ValueError:
            hint = None
        self._deliver(channel_text[prefix_len:], hint)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _offer(queue: asyncio.Queue[Hint], hint: Hint) -> None:
    """Keep only the newest hint: a slow stream needs to know the head, not every step."""
    with contextlib.suppress(asyncio.QueueEmpty):
        queue.get_nowait()
    queue.put_nowait(hint)
