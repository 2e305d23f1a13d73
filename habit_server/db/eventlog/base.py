"""The event log's backend contract: what the services ask of the per-user log, and the types they pass.

Each user has an append-only log (the ``events`` table) with a gapless ``server_seq`` and a
head (``users.head_seq``), and the habits and check-ins materialised from it. Every write is
serialised on the user's row, so a cursor never skips a row: the events, the merged state and
the new head commit together. What a write does to the materialised rows is decided by the
domain's merge planner (:func:`sync_protocol.domain.merge.plan`): a backend reads the
:class:`~sync_protocol.domain.merge.Snapshot` that :func:`~sync_protocol.domain.merge.needs`
names and writes the :class:`~sync_protocol.domain.merge.Plan`, adding the user's id.

:class:`EventLog` is the one contract; ``core.CoreEventLog`` implements it with SQLAlchemy Core
(SQLite, and what is not on the fast path) and ``pg.PgEventLog`` on raw asyncpg for a push,
the server's hottest path. ``open_event_log`` picks one at start-up; the services never ask
which database they are on.
"""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from sync_protocol.domain.events import Event
from sync_protocol.domain.ids import hlc_observe
from sync_protocol.domain.merge import CheckinWrite, Effects, HabitWrite, Needs, Plan, Snapshot, plan

if TYPE_CHECKING:
    from habit_server.db.eventlog.one_habit import HabitBuild, HabitRecorded

EventIdentity = tuple[str, int, int, str]
"""(device_id, device_seq, hlc, kind): what must match for a re-pushed event_id to be a duplicate."""
Known = Mapping[str, tuple[int, EventIdentity]]
"""Stored events by event_id: (server_seq, identity)."""
EventRow = tuple[int, str, str, int, int, str, int, str]
"""A stored event as it goes out: (server_seq, event_id, device_id, device_seq, hlc, kind, schema, payload JSON)."""
EventSpec = tuple[str, dict[str, Any]]
"""(kind, payload) of an event the server makes for a REST call."""
Build = Callable[[AsyncConnection, int], Awaitable[list[EventSpec]]]
"""Makes a REST call's events under the user's lock, on the write's connection (its checks hold),
given the user's head."""


class Standing(NamedTuple):
    """The user's log head and clock, read with the user's row, and the standing of the caller."""

    head: int
    clock: int
    disabled: bool = False
    device_known: bool = True
    """Whether the caller's device exists for this user (always true when no device was asked about)."""
    device_revoked: bool = False


class Keys(NamedTuple):
    """The rows a write reads: the pushed event ids, and the habits and check-in slots the merge needs."""

    event_ids: Sequence[str]
    needs: Needs
    habit_events: bool = False
    """Some of the events change habits (create, edit, archive, delete): the write takes the lock at once."""


class LogSnapshot(NamedTuple):
    """The stored rows under :class:`Keys`: the known events and the merge's :class:`Snapshot`."""

    known: Known = MappingProxyType({})
    merge: Snapshot = Snapshot(MappingProxyType({}), MappingProxyType({}))


class Writes(NamedTuple):
    """New events to append after the head ``base``, and the plan that merges them."""

    events: Sequence[Event]
    base: int
    clock: int
    """The user's clock after seeing these events."""
    plan: Plan

    @property
    def head(self) -> int:
        return self.base + len(self.events)

    @classmethod
    def after(cls, standing: Standing, events: Sequence[Event], effs: Effects, merge: Snapshot) -> Writes:
        """Append ``events`` (known to be new; ``effs`` is what they write) after the head, merged."""
        clock = standing.clock
        for ev in events:
            clock = hlc_observe(clock, ev.hlc)
        return cls(events, standing.head, clock, plan(effs, merge))


class Caller(NamedTuple):
    """The account and device behind an access token, as stored."""

    username: str
    role: str
    disabled: bool
    device_revoked: bool
    log_state: str = ""
    """Where the user's log stands (its identity and head): it changes with every write."""


class LogStatus(NamedTuple):
    store_id: str
    head: int


class Recorded(NamedTuple):
    """Events the server made for a REST call, and the head after them."""

    events: list[Event]
    head: int


class Decision(Protocol):
    """What a push decided from a :class:`Standing` and :class:`LogSnapshot`: ``writes`` is None when
    nothing is to be written."""

    @property
    def writes(self) -> Writes | None: ...


D = TypeVar("D", bound=Decision)


class EventLog(ABC):
    """The per-user event log of one database."""

    @abstractmethod
    async def principal(self, user_id: uuid.UUID, device_id: uuid.UUID) -> Caller | None:
        """The account and device of an access token; None when either is gone. Every request pays for this."""

    @abstractmethod
    async def push(
        self, user_id: uuid.UUID, device_id: uuid.UUID, keys: Keys, decide: Callable[[Standing | None, LogSnapshot], D]
    ) -> D:
        """Read the user's standing (None: the user is gone) and the rows under ``keys``, call ``decide``
        and write its ``writes``, as one atomic step of the user's log; returns the decision written.

        ``decide`` is pure and may be called more than once (a backend may read without the lock first
        and read again under it when the head moved); what it raises propagates.
        """

    @abstractmethod
    async def record(self, user_id: uuid.UUID, device_id: uuid.UUID, build: Build) -> Recorded | None:
        """Under the user's lock, make events with ``build``, stamp them with the device's next
        ``device_seq`` numbers and the user's clock, and append and merge them. None: the user is gone."""

    @abstractmethod
    async def record_habit(
        self, user_id: uuid.UUID, device_id: uuid.UUID, habit_id: str, days: Sequence[str], build: HabitBuild
    ) -> HabitRecorded | None:
        """A REST write about one habit (see :mod:`.one_habit`): read the standing, the device, the
        habit with its check-ins and the stamps of the check-in slots of ``days`` (the only slots its
        events may write), make events with ``build``, and append and merge them atomically (or
        nothing when it makes none). None: the user is gone; what ``build`` raises propagates."""

    @abstractmethod
    async def status(self, user_id: uuid.UUID) -> LogStatus | None:
        """The identity of the user's log and its head; None when the user is gone."""

    @abstractmethod
    async def page(self, user_id: uuid.UUID, after: int, limit: int | None) -> list[EventRow]:
        """Stored events after ``after`` in ``server_seq`` order, at most ``limit`` (None: all)."""


# ----- the rows a write adds: column values by column name -------------------------------------------
def dumps(value: Any) -> str:
    """Compact JSON as the log stores payloads."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def event_values(ev: Event, server_seq: int) -> dict[str, Any]:
    """An appended event's columns, but ``user_id`` and ``received_at`` (the backend adds them)."""
    return {
        "server_seq": server_seq,
        "event_id": ev.event_id,
        "device_id": ev.device_id,
        "device_seq": ev.device_seq,
        "hlc": ev.hlc,
        "kind": ev.kind,
        "schema": ev.schema,
        "payload": dumps(ev.payload),
    }


def event_rows(writes: Writes) -> list[dict[str, Any]]:
    return [event_values(ev, seq) for seq, ev in enumerate(writes.events, start=writes.base + 1)]


def checkin_values(w: CheckinWrite) -> dict[str, Any]:
    """A check-in slot's columns, but ``user_id``."""
    hlc, device_id, event_id = w.stamp
    slot = w.slot
    return {
        "habit_id": w.habit_id,
        "date": w.date,
        "value": slot.value,
        "skipped": slot.skipped,
        "note": slot.note,
        "cleared": slot.cleared,
        "hlc": hlc,
        "device_id": device_id,
        "event_id": event_id,
    }


def habit_values(w: HabitWrite) -> dict[str, Any]:
    """The habit columns a plan sets (every column but ``user_id`` and ``id`` on insert)."""
    return {**w.columns, "created": w.created, "deleted": w.deleted, "stamps": w.stamps}
