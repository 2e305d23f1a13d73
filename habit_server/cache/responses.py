"""A cache of read-heavy REST responses, per user, keyed by the state of the user's log.

Every write to a user's data moves their log's head, and every request reads the head with its
caller check (:class:`~habit_server.services.principal.Principal`), so an entry is stored under
the head it was computed at: a read after a write asks for another key, and an entry computed
before a write is never served after it. Writes touch no cache at all (no invalidation round
trip); old entries expire after ``ttl`` seconds. With Redis the entries are shared by every
process; without it each process keeps its own. While a configured Redis is down nothing is cached.
"""

from __future__ import annotations

import contextlib
import time
from collections import OrderedDict

from habit_server.cache.link import RedisLink, RedisUnavailable

MAX_LOCAL_ENTRIES = 2000


class ResponseCache:
    def __init__(self, link: RedisLink, ttl: int) -> None:
        self.link = link
        self.ttl = ttl
        self._local: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def _name(self, user_id: str, state: str, key: str) -> str:
        return self.link.key("cache", user_id, state, key)

    async def get(self, user_id: str, state: str, key: str) -> bytes | None:
        """The entry stored for ``key`` when the user's log was at ``state`` (None: none, or no cache)."""
        if self.ttl <= 0:
            return None
        name = self._name(user_id, state, key)
        if not self.link.configured:
            entry = self._local.get(name)
            return entry[1] if entry is not None and entry[0] >= time.monotonic() else None
        try:
            body = await self.link.run(lambda r: r.get(name))
        except RedisUnavailable:
            return None
        return body if isinstance(body, bytes) else None

    async def put(self, user_id: str, state: str, key: str, body: bytes) -> None:
        if self.ttl <= 0:
            return
        name = self._name(user_id, state, key)
        if not self.link.configured:
            self._local[name] = (time.monotonic() + self.ttl, body)
            while len(self._local) > MAX_LOCAL_ENTRIES:
                self._local.popitem(last=False)
            return
        with contextlib.suppress(RedisUnavailable):
            await self.link.run(lambda r: r.set(name, body, ex=self.ttl))
