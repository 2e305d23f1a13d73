"""Fixed-window rate limits, shared through Redis or kept in this process without it.

Two ways to count. :meth:`RateLimiter.hit` counts *before* the action, in a Redis round trip
of its own (logins). :meth:`RateLimiter.blocked` and :meth:`RateLimiter.counted` count *after*
it, in a round trip the action makes anyway (a push's stream hint and cache bump): a name that
reached its limit is refused in this process until the window ends. Every process learns the
shared count at its next counted action, so with N processes at most N actions beyond the limit
get through in a window, and not one more Redis round trip is spent on the hot path. A counted
name's key gets its expiry with this process's first count in the window (``INCR`` + ``EXPIRE``),
and only ``INCR`` after Redis confirmed it.
"""

from __future__ import annotations

import contextlib
import time

from redis.asyncio import Redis

from habit_server.cache.link import RedisLink, RedisUnavailable

MAX_BLOCKED = 10_000


class RateLimiter:
    def __init__(self, link: RedisLink) -> None:
        self.link = link
        self._local: dict[str, int] = {}
        self._local_window = -1
        self._blocked: dict[str, float] = {}
        self._expiring: set[str] = set()
        """Keys whose expiry Redis confirmed (set with one of this process's counts): each is given one once."""

    def key_for(self, name: str, window: int = 60) -> str:
        """The Redis key counting ``name`` in the current window."""
        return self.link.key("rl", name, str(int(time.time() // window)))

    def counter(self, name: str, window: int = 60) -> tuple[str, int | None]:
        """For :meth:`counted`: the key to ``INCR`` now, and the expiry to give it with that (a second
        past the window), or None once Redis confirmed one that this process gave it."""
        key = self.key_for(name, window)
        return key, None if key in self._expiring else window + 1

    async def hit(self, name: str, limit: int, window: int = 60) -> int | None:
        """Count one hit; return the seconds to wait when over ``limit`` per ``window``, else None."""
        if limit <= 0:
            return None
        now = time.time()
        retry = max(1, int((now // window + 1) * window - now))
        key = self.key_for(name, window)

        async def incr(r: Redis) -> int:
            async with r.pipeline(transaction=False) as pipe:
                pipe.incr(key)
                pipe.expire(key, window + 1)
                count, _ = await pipe.execute()
            return int(count)

        with contextlib.suppress(RedisUnavailable):
            return retry if await self.link.run(incr) > limit else None
        return retry if self._count_here(key, window) > limit else None

    def blocked(self, name: str) -> int | None:
        """Seconds to wait if ``name`` reached its limit in this window (as this process knows), else None."""
        until = self._blocked.get(name)
        if until is None:
            return None
        now = time.time()
        if now >= until:
            del self._blocked[name]
            return None
        return max(1, int(until - now + 0.999))

    def counted(self, name: str, key: str, count: int | None, limit: int, window: int = 60) -> None:
        """After an action: ``count`` is the new value of ``key`` (from :meth:`counter`) that the caller's
        pipeline got from Redis with its expiry, or None when Redis is absent or down (then it is
        counted here)."""
        if limit <= 0:
            return
        if count is None:
            count = self._count_here(key, window)
        else:
            if len(self._expiring) >= MAX_BLOCKED:
                self._expiring.clear()  # keys of past windows: never counted again
            self._expiring.add(key)
        if count >= limit:
            if len(self._blocked) >= MAX_BLOCKED:
                now = time.time()
                self._blocked = {k: v for k, v in self._blocked.items() if v > now}
            self._blocked[name] = (time.time() // window + 1) * window

    def _count_here(self, key: str, window: int) -> int:
        index = int(time.time() // window)
        if index != self._local_window:
            self._local.clear()
            self._local_window = index
        self._local[key] = count = self._local.get(key, 0) + 1
        return count
