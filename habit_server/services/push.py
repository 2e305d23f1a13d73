"""The sync push: store a device's events (idempotent by ``event_id``) and answer each one, in order.

Each event is first checked on its own, with no database (:func:`_screen`): its clock must not
be more than 24 h ahead, and its payload must be JSON every store can keep (valid Unicode, no
NUL, finite numbers, keys too) and, for a known kind, follow that kind's rules. An event that
fails gets its own ``error`` result; the rest of the batch goes on. Then the event log reads the
user's head, the caller's device and account, the events already stored under these ids and the
rows the merge needs, in one step, and :func:`_decide` (pure) checks the caller's standing (the
token was checked by signature only), answers the known ids (``duplicate``, or
``event_conflict`` when another event is stored under the id) and plans the writes of the new
events with the domain's merge planner. The log writes them with the new head atomically (see
``habit_server.db.eventlog``). After the commit one Redis round trip hints the user's streams,
and counts the push against the rate limit (the answer does not wait for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from habit_server.db.eventlog.base import EventIdentity, Keys, LogSnapshot, Standing, Writes, dumps
from habit_server.runtime import Runtime
from habit_server.services.announce import after_write
from habit_server.services.auth import check_standing
from habit_server.services.errors import RateLimited
from habit_server.services.record import check_quota
from habit_server.services.tokens import AccessClaims
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.events import Effect, Event, decode
from sync_protocol.domain.ids import hlc_wall_ms, now_ms
from sync_protocol.domain.merge import Effects, needs
from sync_protocol.domain.text import check_storable
from sync_protocol.protocol import MAX_CLOCK_SKEW_MS, MAX_PAYLOAD_BYTES
from sync_protocol.wire.errors import ErrorBody, ErrorCode
from sync_protocol.wire.sync import EventIn, PushResponse, PushResult


class Candidate(NamedTuple):
    """An event worth storing: its index in the request, itself, and what it writes (None: nothing)."""

    position: int
    event: Event
    effect: Effect | None


class Screened(NamedTuple):
    """What the per-event checks made of a push."""

    rejected: dict[int, PushResult]
    """Results of the events that failed, by index in the request."""
    candidates: list[Candidate]
    """The first of each event id that passed."""
    first: dict[str, int]
    """Index of each candidate's event id (repeats inside the batch are answered like it)."""


class Decision(NamedTuple):
    """What a push does, decided from the stored rows."""

    head: int
    """The head it read."""
    answered: dict[int, PushResult]
    """Results of the candidates already stored, by index in the request."""
    fresh: list[Candidate]
    writes: Writes | None
    """None when nothing is new."""


def _error(event_id: str, code: ErrorCode, message: str) -> PushResult:
    return PushResult(event_id=event_id, status="error", error=ErrorBody(code=code, message=message))


def _identity(ev: Event) -> EventIdentity:
    """What must match for a second event under one ``event_id`` to be the same event (a duplicate)."""
    return (ev.device_id, ev.device_seq, ev.hlc, ev.kind)


def _conflict(event_id: str) -> PushResult:
    return _error(event_id, ErrorCode.EVENT_CONFLICT, "another event was stored under this event_id")


def _screen(incoming: Sequence[EventIn]) -> Screened:
    now = now_ms()
    rejected: dict[int, PushResult] = {}
    first: dict[str, int] = {}
    candidates: list[Candidate] = []
    identities: dict[str, EventIdentity] = {}
    for i, item in enumerate(incoming):
        ev = item.to_domain()
        if hlc_wall_ms(ev.hlc) > now + MAX_CLOCK_SKEW_MS:
            rejected[i] = _error(ev.event_id, ErrorCode.CLOCK_SKEW, "hlc is more than 24 h ahead of the server clock")
            continue
        try:
            effect = decode(ev.kind, ev.payload)  # what check_payload checks, keeping the effect
            check_storable(ev.payload)
        except DomainError as exc:
            rejected[i] = _error(ev.event_id, ErrorCode.INVALID_PAYLOAD, str(exc) or "the payload is not valid")
            continue
        if len(dumps(ev.payload).encode()) > MAX_PAYLOAD_BYTES:
            message = f"the payload is larger than {MAX_PAYLOAD_BYTES} bytes"
            rejected[i] = _error(ev.event_id, ErrorCode.PAYLOAD_TOO_LARGE, message)
            continue
        if ev.event_id in first:
            if identities[ev.event_id] != _identity(ev):  # as if pushed after the first one was stored
                rejected[i] = _conflict(ev.event_id)
            continue  # a repeat inside the batch: answered like the first one, at the end
        first[ev.event_id] = i
        identities[ev.event_id] = _identity(ev)
        candidates.append(Candidate(i, ev, effect))
    return Screened(rejected, candidates, first)


def _effects(candidates: Sequence[Candidate]) -> Effects:
    return [(c.event.stamp, c.effect) for c in candidates if c.effect is not None]


def _decide(candidates: Sequence[Candidate], found: Standing | None, snap: LogSnapshot, quota: int) -> Decision:
    """Check the caller's standing, answer the known event ids, and plan the writes of the rest
    (QuotaExceeded when they would take the log past ``quota`` events; 0: no limit)."""
    standing = check_standing(found if found is not None and found.device_known else None)
    answered: dict[int, PushResult] = {}
    fresh: list[Candidate] = []
    for c in candidates:
        ev = c.event
        stored = snap.known.get(ev.event_id)
        if stored is None:
            fresh.append(c)
        elif stored[1] != _identity(ev):
            answered[c.position] = _conflict(ev.event_id)
        else:
            answered[c.position] = PushResult(event_id=ev.event_id, status="duplicate", server_seq=stored[0])
    check_quota(quota, standing.head, len(fresh))
    writes = Writes.after(standing, [c.event for c in fresh], _effects(fresh), snap.merge) if fresh else None
    return Decision(standing.head, answered, fresh, writes)


def _results(incoming: Sequence[EventIn], screened: Screened, decision: Decision) -> list[PushResult]:
    """One result per pushed event, in request order."""
    by_index = {**screened.rejected, **decision.answered}
    if decision.writes is not None:
        for seq, c in enumerate(decision.fresh, start=decision.writes.base + 1):
            by_index[c.position] = PushResult(event_id=c.event.event_id, status="ok", server_seq=seq)
    results = []
    for i, item in enumerate(incoming):
        result = by_index.get(i)
        if result is None:  # repeated inside the batch
            first = by_index[screened.first[item.event_id]]
            result = (
                first
                if first.status == "error"
                else PushResult(event_id=item.event_id, status="duplicate", server_seq=first.server_seq)
            )
        results.append(result)
    return results


def _push_limit(user_key: str) -> str:
    return f"push:{user_key}"


def _after_push(rt: Runtime, user_key: str, head: int | None) -> None:
    """Count the push against the push rate limit, in the round trip that announces it (if it wrote)."""
    limit = rt.settings.pushes_per_minute
    if limit <= 0:
        after_write(rt, user_key, head)
        return
    name = _push_limit(user_key)
    key, expiry = rt.limiter.counter(name)

    def counted(counts: list[int] | None) -> None:
        rt.limiter.counted(name, key, counts[0] if counts else None, limit)

    after_write(rt, user_key, head, [(key, expiry)], counted)


async def push(rt: Runtime, caller: AccessClaims, incoming: Sequence[EventIn]) -> PushResponse:
    """Store a device's events. The caller's token was checked by signature only: the device and
    account are checked by the event log, in the statement that reads the user's head."""
    user_key = str(caller.user_id)
    retry = rt.limiter.blocked(_push_limit(user_key))
    if retry is not None:
        raise RateLimited(retry)
    screened = _screen(incoming)
    candidates = screened.candidates
    effs = _effects(candidates)
    habit_events = any(e.creates or e.deletes or e.fields for _, e in effs)
    keys = Keys([c.event.event_id for c in candidates], needs(effs), habit_events)
    quota = rt.settings.max_events_per_user
    decision = await rt.log.push(
        caller.user_id, caller.device_id, keys, lambda found, snap: _decide(candidates, found, snap, quota)
    )
    writes = decision.writes
    _after_push(rt, user_key, writes.head if writes is not None else None)
    head = writes.head if writes is not None else decision.head
    return PushResponse(results=_results(incoming, screened, decision), head_seq=head)
