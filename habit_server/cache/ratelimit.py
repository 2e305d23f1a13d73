"""Fixed-window rate limits, shared through Redis or kept in this process without it."""

from __future__ import annotations

import contextlib
import time

from redis.asyncio import Redis

from habit_server.cache.link import RedisLink, RedisUnavailable


class RateLimiter:
    def __init__(self, link: RedisLink) -> None:
        self.link = link
        self._local: dict[str, int] = {}
        self._local_window = -1

    async def hit(self, name: str, limit: int, window: int = 60) -> int | None:
        """Count one hit; return the seconds to wait when over ``limit`` per ``window``, else None."""
        if limit <= 0:
            return None
        now = time.time()
        index = int(now // window)
        retry = max(1, int((index + 1) * window - now))
        key = self.link.key("rl", name, str(index))

        async def incr(r: Redis) -> int:
            async with r.pipeline(transaction=False) as pipe:
                pipe.incr(key)
                pipe.expire(key, window + 1)
                count, _ = await pipe.execute()
            return int(count)

        with contextlib.suppress(RedisUnavailable):
            return retry if await self.link.run(incr) > limit else None
        if index != self._local_window:
            self._local.clear()
            self._local_window = index
        self._local[key] = count = self._local.get(key, 0) + 1
        return retry if count > limit else None
