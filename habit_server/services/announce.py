"""After a write commits: hint the user's streams, drop their cached responses, count rate limits."""

from __future__ import annotations

from collections.abc import Sequence

from habit_server.runtime import Runtime


async def after_write(
    rt: Runtime, user_key: str, head: int | None, counters: Sequence[tuple[str, int | None]] = ()
) -> list[int] | None:
    """After the commit, in one Redis round trip: if ``head`` is set, hint every stream and drop the
    user's cached responses; ``INCR`` each of ``counters`` (their new values come back first)."""
    wanted = [*counters] if head is None else [*counters, (rt.cache.gen_key(user_key), None)]
    if not wanted:
        return []
    counts = await rt.hub.publish(user_key, head, wanted)
    if counts is None and head is not None:
        await rt.cache.invalidate(user_key)
    return counts
