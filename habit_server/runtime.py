"""Everything a running server holds: settings, the database's connections, its event log, the Redis helpers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from habit_server.cache.hub import Hub
from habit_server.cache.link import RedisLink
from habit_server.cache.ratelimit import RateLimiter
from habit_server.cache.responses import ResponseCache
from habit_server.db.connections import Connections
from habit_server.db.engine import make_engine
from habit_server.db.eventlog import open_event_log
from habit_server.db.eventlog.base import EventLog
from habit_server.delivery import Delivery
from habit_server.services.passwords import Passwords
from habit_server.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    db: Connections
    """The database's connections, each taken in its turn (``rt.db.connect()``, ``rt.db.begin()``)."""
    log: EventLog
    link: RedisLink
    hub: Hub
    limiter: RateLimiter
    cache: ResponseCache
    passwords: Passwords
    delivery: Delivery | None = None
    """SQS, S3 and SES when SQS_QUEUE_URL is set; else reports render in-process."""
    coach_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))
    """Model requests of /habits/at-risk/ai-coach running at once in this worker."""

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        link = RedisLink(settings.redis_url, settings.redis_prefix)
        db = Connections(
            make_engine(
                settings.database_url, pool_size=settings.db_pool_size, pool_timeout=settings.db_pool_timeout_seconds
            )
        )
        return cls(
            settings=settings,
            db=db,
            log=open_event_log(db),
            link=link,
            hub=Hub(link),
            limiter=RateLimiter(link),
            cache=ResponseCache(link, settings.cache_ttl_seconds),
            passwords=Passwords(settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_concurrency),
            delivery=Delivery.create(settings) if settings.delivery else None,
            coach_slots=asyncio.Semaphore(settings.coach_concurrency),
        )

    async def start(self) -> None:
        await self.hub.start()

    async def close(self) -> None:
        await self.hub.stop()
        await self.link.close()
        await self.db.engine.dispose()
