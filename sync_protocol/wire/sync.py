"""Messages of the sync endpoints (DESIGN.md section 3).

``EventIn``/``EventOut`` carry one immutable event. A push is validated in two steps: the
shape of every event (types, UUIDs, ranges) is checked first and a bad shape rejects the whole
request with 422 and nothing stored; then each event is checked against the domain rules and
gets its own :class:`PushResult` (``ok``, ``duplicate`` or ``error`` with an error code).
Events of kinds this version does not know are stored and passed on, never rejected.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sync_protocol.domain.events import SCHEMA, Event
from sync_protocol.protocol import MAX_PUSH_EVENTS, PROTOCOL_VERSION, event_json
from sync_protocol.wire.errors import ErrorBody

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
KIND_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
DEVICE_PATTERN = r"^[A-Za-z0-9._:-]+$"
MAX_INT64 = 2**63 - 1

EventId = Annotated[
    str,
    Field(pattern=UUID_PATTERN, description="UUIDv7 made by the device that wrote the event (stored in lower case)."),
    AfterValidator(str.lower),
]
"""An event id in any case is that event: ``ABC...`` and ``abc...`` are one id."""
DeviceId = Annotated[
    str, Field(min_length=1, max_length=64, pattern=DEVICE_PATTERN, description="Id of the writing replica.")
]
Kind = Annotated[
    str, Field(min_length=1, max_length=64, pattern=KIND_PATTERN, description="e.g. habit.create, checkin.set")
]


class EventIn(BaseModel):
    """One event as a device pushes it."""

    model_config = ConfigDict(strict=True, frozen=True, extra="ignore", validate_by_name=True, validate_by_alias=True)

    event_id: EventId
    device_id: DeviceId
    device_seq: int = Field(ge=1, le=MAX_INT64, description="Gapless per device, starting at 1.")
    hlc: int = Field(ge=0, le=MAX_INT64, description="Hybrid logical clock: wall ms << 16 | counter.")
    kind: Kind
    schema_: int = Field(default=SCHEMA, ge=1, le=1000, alias="schema", description="Payload schema version.")
    payload: dict[str, Any] = Field(default_factory=dict, description="Kind-specific JSON object.")

    def to_domain(self) -> Event:
        return Event(self.event_id, self.device_id, self.device_seq, self.hlc, self.kind, self.payload, self.schema_)

    @classmethod
    def from_domain(cls, event: Event) -> EventIn:
        return cls.model_validate(event_json(event), strict=False)


class EventOut(EventIn):
    """An event as the server hands it back, with its place in the user's log."""

    server_seq: int = Field(ge=1, description="Position in this user's server log; the pull cursor.")

    @classmethod
    def from_stored(cls, event: Event, server_seq: int) -> EventOut:
        return cls.model_validate({**event_json(event), "server_seq": server_seq}, strict=False)


class PushRequest(BaseModel):
    """``POST /api/v1/sync/events``: at most 500 events, at most 1 MiB."""

    model_config = ConfigDict(extra="ignore")

    events: list[EventIn] = Field(max_length=MAX_PUSH_EVENTS)


PushStatus = Literal["ok", "duplicate", "error"]


class PushResult(BaseModel):
    """What became of one pushed event, in request order.

    ``ok``: stored now, with its ``server_seq``. ``duplicate``: the server already had this
    ``event_id`` (pushes are idempotent), with the ``server_seq`` it was stored under.
    ``error``: not stored; ``error.code`` says why (``invalid_payload``, ``clock_skew``,
    ``event_conflict``).
    """

    event_id: str
    status: PushStatus
    server_seq: int | None = None
    error: ErrorBody | None = None


class PushResponse(BaseModel):
    results: list[PushResult]
    head_seq: int = Field(description="The user's newest server_seq after this push.")


class PullResponse(BaseModel):
    """``GET /api/v1/sync/events?after=SEQ&limit=N``: a page of the log in server_seq order.

    Pass ``next`` as ``after`` for the following page; stop when ``has_more`` is false.
    """

    events: list[EventOut]
    next: int = Field(description="Cursor for the next page (the last server_seq in this page, or `after`).")
    has_more: bool


class StatusResponse(BaseModel):
    """``GET /api/v1/sync/status``.

    A client whose saved ``store_id`` differs, or whose cursor is ahead of ``head_seq``, is
    talking to a reset or restored server: it resets its cursor and re-pushes its own events.
    """

    store_id: str
    head_seq: int
    protocol: int = PROTOCOL_VERSION


class StreamHint(BaseModel):
    """Data of a ``hint`` message on ``GET /api/v1/sync/stream``: new events may be waiting."""

    head_seq: int
