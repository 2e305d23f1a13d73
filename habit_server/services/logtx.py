"""What a log write reads and writes, behind one interface with two implementations.

A write takes the user's row lock (and, for a push, checks the caller's device in the same
statement), reads what the merge needs, then writes the new events, the merged state and the
new head, all in one transaction. :class:`~habit_server.services.logtx_core.CoreTx` does this
with SQLAlchemy Core on any database (SQLite, and REST writes on PostgreSQL);
:class:`~habit_server.services.logtx_pg.PgTx` does it on the raw asyncpg connection in a few
round trips, because a sync push is the server's hottest path (and ``logtx_pg`` also has the
push's lock-free optimistic way). The merge itself (``materialise.plan``) is pure and written
once; the tests run every push scenario on both implementations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

EventIdentity = tuple[str, int, int, str]
"""(device_id, device_seq, hlc, kind): what must match for a re-pushed event_id to be a duplicate."""
HabitState = tuple[str, bool, bool, str]
"""(habit id, created, deleted, stamps JSON)."""
Slot = tuple[str, str]
"""(habit id, date)."""
CheckinStamp = tuple[int, str, str]
"""(hlc, device_id, event_id) of the event that wrote a check-in slot."""


@dataclass
class Locked:
    """The user's log head and clock, read under the row lock, and the standing of the caller."""

    head: int
    clock: int
    disabled: bool = False
    device_known: bool = True
    device_revoked: bool = False


@dataclass(frozen=True)
class Keys:
    """The rows a write may touch: the pushed event ids, their habits and their check-in slots."""

    event_ids: list[str] = field(default_factory=list)
    habit_ids: list[str] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)


@dataclass
class Snapshot:
    """The stored rows under :class:`Keys`, read under the lock."""

    known: dict[str, tuple[int, EventIdentity]] = field(default_factory=dict)
    habits: list[HabitState] = field(default_factory=list)
    checkins: dict[Slot, CheckinStamp] = field(default_factory=dict)


@dataclass
class Plan:
    """The materialised rows a batch of events changes (from ``materialise.plan``)."""

    new_habits: list[dict[str, Any]] = field(default_factory=list)
    habit_updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    """Habits deleted by this batch: their check-ins go."""
    checkins: list[dict[str, Any]] = field(default_factory=list)
    existing: set[Slot] = field(default_factory=set)
    """Check-in slots that already have a row."""

    @property
    def writes_habits(self) -> bool:
        return bool(self.new_habits or self.habit_updates or self.gone)


@dataclass
class Writes:
    events: list[dict[str, Any]]
    plan: Plan
    base: int
    """The head these writes follow."""
    head: int
    clock: int


class LogTx(Protocol):
    async def read(self, user_id: uuid.UUID, keys: Keys) -> Snapshot: ...

    async def lock_and_read(
        self, user_id: uuid.UUID, device_id: uuid.UUID | None, keys: Keys
    ) -> tuple[Locked, Snapshot] | None:
        """Take the user's row lock and ``read``; None when the user is gone. With ``device_id``, the
        :class:`Locked` also tells whether that device exists for this user and is revoked."""
        ...

    async def write(self, user_id: uuid.UUID, writes: Writes) -> None: ...
