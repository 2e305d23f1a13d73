"""A cache of read-heavy REST responses, per user, invalidated by every write.

Entries live under a per-user *generation*: a read looks up the generation and the entry in
one round trip (a Lua script), a write bumps the generation after its commit, so an entry
computed before a write is never served after it. Without Redis the same runs in this process.
While a configured Redis is down nothing is cached; writes made meanwhile bump their users'
generations when it returns, and entries expire after ``ttl`` seconds in any case.
"""

from __future__ import annotations

import contextlib
import time
from collections import OrderedDict
from typing import Any, cast

from habit_server.cache.link import RedisLink, RedisUnavailable

_GET = """
local gen = redis.call('GET', KEYS[1]) or '0'
return {gen, redis.call('GET', ARGV[1] .. gen .. ':' .. ARGV[2])}
"""

MAX_LOCAL_ENTRIES = 2000


class ResponseCache:
    def __init__(self, link: RedisLink, ttl: int) -> None:
        self.link = link
        self.ttl = ttl
        self._gens: dict[str, int] = {}
        self._local: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._pending: set[str] = set()
        link.on_recover(self._flush_pending)

    def gen_key(self, user_id: str) -> str:
        """The Redis key of the user's generation (bumped by every write)."""
        return self._gen_key(user_id)

    def _gen_key(self, user_id: str) -> str:
        return self.link.key("cache", user_id, "gen")

    def _entry_prefix(self, user_id: str) -> str:
        return self.link.key("cache", user_id, "")

    async def get(self, user_id: str, key: str) -> tuple[str | None, bytes | None]:
        """``(generation, body)``; store with that generation on a miss. No generation: don't cache."""
        if self.ttl <= 0:
            return None, None
        if not self.link.configured:
            gen = str(self._gens.get(user_id, 0))
            entry = self._local.get(f"{user_id}:{gen}:{key}")
            if entry is None or entry[0] < time.monotonic():
                return gen, None
            return gen, entry[1]
        script = _GET
        try:
            raw = await self.link.run(
                lambda r: cast(Any, r.eval(script, 1, self._gen_key(user_id), self._entry_prefix(user_id), key))
            )
        except RedisUnavailable:
            return None, None
        gen_raw, body = raw
        gen = gen_raw.decode() if isinstance(gen_raw, bytes) else str(gen_raw)
        return gen, body

    async def put(self, user_id: str, gen: str | None, key: str, body: bytes) -> None:
        if gen is None or self.ttl <= 0:
            return
        if not self.link.configured:
            self._local[f"{user_id}:{gen}:{key}"] = (time.monotonic() + self.ttl, body)
            while len(self._local) > MAX_LOCAL_ENTRIES:
                self._local.popitem(last=False)
            return
        name = f"{self._entry_prefix(user_id)}{gen}:{key}"
        with contextlib.suppress(RedisUnavailable):
            await self.link.run(lambda r: r.set(name, body, ex=self.ttl))

    async def invalidate(self, user_id: str) -> None:
        if not self.link.configured:
            self._gens[user_id] = self._gens.get(user_id, 0) + 1
            return
        try:
            await self.link.run(lambda r: r.incr(self._gen_key(user_id)))
        except RedisUnavailable:
            self._pending.add(user_id)

    async def _flush_pending(self) -> None:
        while self._pending:
            user_id = self._pending.pop()
            try:
                key = self._gen_key(user_id)
                await self.link.run(lambda r, key=key: r.incr(key))  # type: ignore[misc]
            except RedisUnavailable:
                self._pending.add(user_id)
                return
