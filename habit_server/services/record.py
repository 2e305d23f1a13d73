"""REST writes as events: what a REST call changes is appended to the user's log like a push.

The event log takes the user's lock, runs the call's ``build`` under it (so the checks it makes,
like name uniqueness, hold), stamps the events with the caller's device and the user's clock,
and merges them with the domain's planner in the same transaction; syncing devices pull them
like any other event. A write about one existing habit (a check-in) goes the push's way instead
(:func:`record_on_habit`): one read, then one conditional write. The hint on ``user:{id}`` goes
out after the commit. Every write counts against ``MAX_EVENTS_PER_USER`` as a push does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from habit_server.db.eventlog.base import EventSpec, Standing
from habit_server.db.eventlog.one_habit import Day
from habit_server.runtime import Runtime
from habit_server.services.announce import after_write
from habit_server.services.auth import check_standing
from habit_server.services.errors import NotFound, QuotaExceeded, Unauthorized
from habit_server.services.principal import Principal
from habit_server.services.tokens import AccessClaims
from sync_protocol.domain.events import Event
from sync_protocol.domain.fields import habit_from_row
from sync_protocol.domain.habit import Habit
from sync_protocol.domain.ids import is_uuid
from sync_protocol.wire.errors import ErrorCode

__all__ = ["EventSpec", "check_quota", "record", "record_on_habit"]

Build = Callable[[AsyncConnection], Awaitable[list[EventSpec]]]
"""Makes a REST call's events under the user's lock, on the write's connection (its checks hold)."""
HabitEvents = Callable[[Habit], list[EventSpec]]
"""Makes a REST call's events from the live habit it is about; pure (it may run twice), raises to refuse."""


def check_quota(quota: int, head: int, new: int) -> None:
    """Refuse ``new`` events that would take a log at ``head`` past ``quota`` (0: no limit)."""
    if quota and new and head + new > quota:
        raise QuotaExceeded(quota)


def _gone() -> Unauthorized:
    return Unauthorized(ErrorCode.INVALID_TOKEN, "the account no longer exists")


async def record(rt: Runtime, who: Principal, build: Build) -> list[Event]:
    """Write the events ``build`` makes (``(kind, payload)`` pairs) for a REST call; returns them."""
    quota = rt.settings.max_events_per_user

    async def admitted(conn: AsyncConnection, head: int) -> list[EventSpec]:
        specs = await build(conn)
        check_quota(quota, head, len(specs))
        return specs

    recorded = await rt.log.record(who.user_id, who.device_id, admitted)
    if recorded is None:
        raise _gone()
    if recorded.events:
        after_write(rt, who.key, recorded.head)
    return recorded.events


async def record_on_habit(
    rt: Runtime, caller: AccessClaims, habit_id: str, days: Sequence[str], make: HabitEvents
) -> tuple[Habit, list[Day]]:
    """Write the events ``make`` makes from the habit ``habit_id`` (NotFound: no live habit of the
    caller's by that id); they may write the check-ins of ``days`` only. The caller's token was
    checked by signature only: the device and account are checked here, from the read the write
    makes. Returns the habit and its check-in days after."""
    if not is_uuid(habit_id):
        raise NotFound("habit")
    quota = rt.settings.max_events_per_user
    found: list[Habit] = []

    def build(standing: Standing, row: Mapping[str, Any] | None) -> list[EventSpec]:
        check_standing(standing if standing.device_known else None)
        if row is None:
            raise NotFound("habit")
        found.append(habit_from_row(row["id"], row, date.today()))
        specs = make(found[-1])
        check_quota(quota, standing.head, len(specs))
        return specs

    recorded = await rt.log.record_habit(caller.user_id, caller.device_id, habit_id, days, build)
    if recorded is None:
        raise _gone()
    if recorded.events:
        after_write(rt, str(caller.user_id), recorded.head)
    return found[-1], recorded.days  # the habit as the write read it (its events leave its fields alone)
