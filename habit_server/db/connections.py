"""The database's connections, handed out first come, first served: every use of the pool goes through here.

Waiting in SQLAlchemy's async pool is not fair: when a connection comes back, ``asyncio.Queue``
wakes the first waiter, but a request that arrives before that waiter runs takes the connection
(``Queue.get`` does, and so does the raw event log's direct take of an idle one), and the waiter
goes to the back of the line. With more requests in flight than the pool holds, a few wait many
turns: the REST check-in's p99 under 50 clients (25 a worker, 20 connections each) was 2.5-3x its
median. So a PostgreSQL pool's users first take a *turn* from an ``asyncio.Semaphore`` the size
of the pool, which serves its waiters in order (a newcomer waits while anyone does); a request
holding a turn finds a connection free. A wait longer than the pool's timeout is the pool's own
timeout error (503 with ``Retry-After``). SQLite's pool overflows instead of waiting: no turns.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool


class Connections:
    """``engine``'s connections, each taken in its turn (see the module's notes)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        pool = engine.sync_engine.pool
        fixed = pool if engine.dialect.name == "postgresql" and isinstance(pool, QueuePool) else None
        self._turns = asyncio.Semaphore(fixed.size() if fixed is not None else 1 << 30)
        self._timeout = fixed.timeout() if fixed is not None else None

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for this request's turn at the pool (first come, first served); hold it inside."""
        if not self._turns.locked():
            await self._turns.acquire()  # at once: no timer to set
        else:
            try:
                async with asyncio.timeout(self._timeout):
                    await self._turns.acquire()
            except TimeoutError:
                raise PoolTimeout(f"no database connection free within {self._timeout} s") from None
        try:
            yield
        finally:
            self._turns.release()

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """``engine.connect()``, in turn."""
        async with self.turn(), self.engine.connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """``engine.begin()`` (a transaction, committed at the end unless it raises), in turn."""
        async with self.turn(), self.engine.begin() as conn:
            yield conn
