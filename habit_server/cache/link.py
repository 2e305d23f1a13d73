"""One Redis connection pool that fails soft: when Redis goes away the server keeps serving.

Callers wrap each Redis command in :meth:`RedisLink.run`; on a connection problem it raises
:class:`RedisUnavailable` (callers fall back to in-process behaviour), logs the outage once,
retries after a short pause and logs once more when Redis answers again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

log = logging.getLogger("habit_server.redis")

T = TypeVar("T")
RETRY_AFTER_SECONDS = 1.0


class RedisUnavailable(Exception):
    """Redis is not configured, or not answering right now."""


class RedisLink:
    def __init__(self, url: str | None, prefix: str = "") -> None:
        self.prefix = prefix
        self.client: Redis | None = (
            Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=2.0, decode_responses=False) if url else None
        )
        self.down = False
        self._retry_at = 0.0
        self._on_recover: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def configured(self) -> bool:
        return self.client is not None

    def key(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def on_recover(self, callback: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._on_recover.append(callback)

    async def run(self, op: Callable[[Redis], Awaitable[T]]) -> T:
        client = self.client
        if client is None or (self.down and time.monotonic() < self._retry_at):
            raise RedisUnavailable
        try:
            try:
                result = await op(client)
            except (RedisConnectionError, OSError):
                # A pooled connection may be stale (Redis restarted): one more try on a fresh one.
                result = await op(client)
        except (RedisError, OSError) as exc:
            self.mark_down(exc)
            raise RedisUnavailable from exc
        self.mark_up()
        return result

    def mark_down(self, exc: BaseException) -> None:
        if not self.down:
            log.warning("redis unavailable (%s); serving degraded until it returns", type(exc).__name__)
        self.down = True
        self._retry_at = time.monotonic() + RETRY_AFTER_SECONDS

    def mark_up(self) -> None:
        if not self.down:
            return
        self.down = False
        log.warning("redis is back")
        for callback in self._on_recover:
            task = asyncio.get_running_loop().create_task(callback())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def ping(self) -> bool:
        try:
            return bool(await self.run(lambda r: r.ping()))
        except RedisUnavailable:
            return False

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
