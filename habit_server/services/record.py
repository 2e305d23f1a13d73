"""REST writes as events: what a REST call changes is appended to the user's log like a push.

The event log takes the user's lock, runs the call's ``build`` under it (so the checks it makes,
like name uniqueness, hold), stamps the events with the caller's device and the user's clock,
and merges them with the domain's planner in the same transaction; syncing devices pull them
like any other event. The hint on ``user:{id}`` goes out after the commit.
"""

from __future__ import annotations

from habit_server.db.eventlog.base import Build, EventSpec
from habit_server.runtime import Runtime
from habit_server.services.announce import after_write
from habit_server.services.errors import Unauthorized
from habit_server.services.principal import Principal
from sync_protocol.domain.events import Event
from sync_protocol.wire.errors import ErrorCode

__all__ = ["Build", "EventSpec", "record"]


async def record(rt: Runtime, who: Principal, build: Build) -> list[Event]:
    """Write the events ``build`` makes (``(kind, payload)`` pairs) for a REST call; returns them."""
    recorded = await rt.log.record(who.user_id, who.device_id, build)
    if recorded is None:
        raise Unauthorized(ErrorCode.INVALID_TOKEN, "the account no longer exists")
    if recorded.events:
        await after_write(rt, who.key, recorded.head)
    return recorded.events
