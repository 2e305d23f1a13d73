"""After a write commits: hint the user's streams and count rate limits, without waiting for Redis.

Nothing a later request reads depends on this round trip: cached responses are keyed by where
the user's log stands (the write moved it), hints are only hints (a stream that misses one
re-reads its head on the next), and a rate limit's count takes effect when Redis answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from habit_server.runtime import Runtime

Counted = Callable[[list[int] | None], None]
"""Gets the counters' new values, in order (None: no Redis, or it is down)."""


def after_write(
    rt: Runtime,
    user_key: str,
    head: int | None,
    counters: Sequence[tuple[str, int | None]] = (),
    counted: Counted | None = None,
) -> None:
    """Hint every stream of the user if ``head`` is set, and ``INCR`` each of ``counters``, in the
    worker's next coalesced Redis round trip; ``counted`` is called with their values then."""
    if head is None and not counters:
        return
    done = rt.hub.post(user_key, head, counters)
    if counted is None:
        return
    if done is None:
        counted(None)
        return

    def report(future: asyncio.Future[list[int] | None]) -> None:
        counted(None if future.cancelled() else future.result())

    done.add_done_callback(report)
