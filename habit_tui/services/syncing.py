"""Syncing this device with its server: status, plan, push, pull, then make habit names unique again.

1. **Status.** The server names its log (``store_id``) and its head. When this device last synced
   with another log (first sync, another account or server, a server reset to empty), the head
   is behind this device's cursor (a server restored from an older backup), or the pull (which
   starts one event early) finds another event at the cursor than the one this device pulled
   there (a restored or reset log that grew past the cursor before this device came back), the
   device *joins*:
   its cursor goes back to 0 and it pushes every event it holds, its own and those it pulled, so
   the server ends with everything this device has seen. The re-push is resumable: its position
   is saved after each batch.
2. **Push** the outbox in batches of at most 500 events and 1 MiB (halved when the server still
   says 413). Each event's result marks it pushed, or refused for good (``invalid_payload``,
   ``event_conflict``). One whose clock is refused stays in the outbox, and the sync fails.
3. **Pull** pages after the cursor; each page is applied and the cursor moved in one SQLite
   transaction, so an interrupted sync resumes where it stopped and never applies a page twice.
4. **Names.** Two devices may each have made a habit "Read" offline. Every name must pick out one
   habit, so after a pull all but the oldest (the smallest id) of such habits are renamed
   "Read (2)", "Read (3)"... The rule depends only on what the devices share, so every device
   that notices makes the same change, and those renames are pushed like any edit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Literal, NamedTuple

from habit_tui.errors import SyncError
from habit_tui.services.context import Session
from habit_tui.services.habits import rename_duplicates
from habit_tui.sync.api import Api
from sync_protocol.domain.events import Event
from sync_protocol.domain.merge import effects
from sync_protocol.protocol import MAX_BODY_BYTES, MAX_PULL_LIMIT, MAX_PUSH_EVENTS, event_json

CURSOR = "sync.cursor"
STORE_ID = "sync.store_id"
LAST_SYNC = "sync.last_sync"
REPUSH = "sync.repush"
"""While a re-push of everything is under way: the rowid of the last event re-pushed."""
CURSOR_EVENT = "sync.cursor_event"
"""The ``event_id`` of the event at the cursor in the server's log, saved with the cursor."""
BODY_BUDGET = MAX_BODY_BYTES * 9 // 10
"""Room a push leaves for the JSON around its events."""
REFUSED_FOR_GOOD = frozenset({"invalid_payload", "event_conflict", "invalid_event"})

Progress = Callable[[str, int, int | None], None]
"""(phase: "push" or "pull", done, total if known)."""


class SyncResult(NamedTuple):
    server: str
    pushed: int
    """Events the server stored for the first time."""
    pulled: int
    """Events from other devices applied here."""
    habits: list[str]
    """Names of the habits the pulled events changed."""
    head: int
    joined: bool
    """This device (re-)joined the server's log: it re-pushed everything it holds."""
    renamed: list[tuple[str, str]]
    refused: int
    """This device's events the server refused for good (kept here, never pushed again)."""


class SyncState(NamedTuple):
    """What this device knows of its sync, without asking the server."""

    cursor: int
    store_id: str
    last_sync: str
    outbox: int


def sync_state(s: Session) -> SyncState:
    store = s.store
    return SyncState(int(store.meta(CURSOR, "0")), store.meta(STORE_ID), store.meta(LAST_SYNC), store.outbox_count())


def forget_sync(s: Session) -> None:
    """Forget which log this device synced with (on logout): the next login joins afresh."""
    s.store.forget_meta(CURSOR, STORE_ID, REPUSH, LAST_SYNC, CURSOR_EVENT)


class _Pushed(NamedTuple):
    stored: int
    refused: int
    clock: str
    """The server's message about a refused clock ('' when none was)."""
    placed: tuple[tuple[int, str], ...] = ()
    """``(server_seq, event_id)`` of the events the server stored now."""


NOTHING = _Pushed(0, 0, "")


def sync(s: Session, api: Api, progress: Progress | None = None) -> SyncResult:
    store = s.store
    status = api.status()
    state = sync_state(s)
    joined = state.store_id != status.store_id or status.head < state.cursor
    if joined:
        _join(s, status.store_id)
    pushed = NOTHING
    if store.meta(REPUSH, "") != "":
        pushed = _add(pushed, _repush_all(s, api, progress))
    pushed = _add(pushed, _push_outbox(s, api, progress))
    _skip_own(s, status.head, pushed.placed)
    try:
        pulled, touched, head = _pull(s, api, progress, status.head)
    except _LogReplaced:
        joined = True
        _join(s, status.store_id)
        pushed = _add(pushed, _repush_all(s, api, progress))
        pulled, touched, head = _pull(s, api, progress, status.head)
    renamed = rename_duplicates(s)
    if renamed:
        pushed = _add(pushed, _push_outbox(s, api, progress))
    store.set_meta(LAST_SYNC, datetime.now(UTC).isoformat(timespec="seconds"))
    if pushed.clock:
        raise SyncError(
            "clock",
            f"the server refused {store.outbox_count()} change(s) made while this device's clock was "
            f"far ahead ({pushed.clock}); they stay here and are sent once the server's clock catches up",
        )
    names = sorted({h.name for hid in touched if (h := store.habit(hid)) is not None})
    return SyncResult(api.server, pushed.stored, pulled, names, head, joined, renamed, pushed.refused)


class _LogReplaced(Exception):
    """The server holds another event at this device's cursor than the one pulled there."""


def _join(s: Session, store_id: str) -> None:
    with s.store.write():
        s.store.set_meta(STORE_ID, store_id)
        s.store.set_meta(CURSOR, "0")
        s.store.set_meta(REPUSH, "0")
        s.store.forget_meta(CURSOR_EVENT)


def _add(a: _Pushed, b: _Pushed) -> _Pushed:
    return _Pushed(a.stored + b.stored, a.refused + b.refused, a.clock or b.clock, a.placed + b.placed)


def _batches(events: Sequence[Event], limit: int) -> list[list[Event]]:
    """Consecutive batches of at most ``limit`` events and :data:`BODY_BUDGET` bytes."""
    out: list[list[Event]] = [[]]
    size = 0
    for ev in events:
        cost = len(json.dumps(event_json(ev), ensure_ascii=False).encode()) + 1
        if out[-1] and (len(out[-1]) >= limit or size + cost > BODY_BUDGET):
            out.append([])
            size = 0
        out[-1].append(ev)
        size += cost
    return [b for b in out if b]


def _send(s: Session, api: Api, events: Sequence[Event], limit: int) -> tuple[_Pushed, int]:
    """Push ``events`` in batches (halved on 413); returns what happened and the batch size that worked."""
    total = NOTHING
    for batch in _batches(events, limit):
        answer = api.push(batch)
        if answer is None:  # 413: the server's limit is lower than ours
            if len(batch) == 1:
                raise SyncError("refused", f"the server refuses event {batch[0].event_id} as too large")
            done, limit = _send(s, api, batch, max(1, len(batch) // 2))
            total = _add(total, done)
            continue
        results, _ = answer
        stored = {r.event_id: r.server_seq for r in results if r.status in ("ok", "duplicate") and r.server_seq}
        refused = [r.event_id for r in results if r.status == "error" and r.code in REFUSED_FOR_GOOD]
        clock = next((r.message for r in results if r.status == "error" and r.code == "clock_skew"), "")
        s.store.mark_pushed(stored)
        if refused:
            s.store.mark_refused(refused)
        placed = tuple((r.server_seq, r.event_id) for r in results if r.status == "ok" and r.server_seq)
        total = _add(total, _Pushed(len(placed), len(refused), clock, placed))
    return total, limit


def _push_outbox(s: Session, api: Api, progress: Progress | None) -> _Pushed:
    total = NOTHING
    waiting = s.store.outbox_count()
    done, after, limit = 0, 0, MAX_PUSH_EVENTS
    while batch := s.store.outbox(limit=limit, after_seq=after):
        pushed, limit = _send(s, api, batch, limit)
        total = _add(total, pushed)
        after = batch[-1].device_seq
        done += len(batch)
        if progress is not None:
            progress("push", done, waiting)
    return total


def _repush_all(s: Session, api: Api, progress: Progress | None) -> _Pushed:
    """Push every event this device holds, resuming after the last batch a killed sync finished."""
    store = s.store
    total = NOTHING
    after, limit = int(store.meta(REPUSH, "0")), MAX_PUSH_EVENTS
    done, held = 0, store.event_count() if progress is not None else 0
    while rows := store.events_after(after, limit):
        pushed, limit = _send(s, api, [ev for _, ev in rows], limit)
        total = _add(total, pushed)
        after = rows[-1][0]
        store.set_meta(REPUSH, str(after))
        done += len(rows)
        if progress is not None:
            progress("push", done, max(held, done))
    store.forget_meta(REPUSH)
    return total


def _skip_own(s: Session, head: int, placed: Sequence[tuple[int, str]]) -> None:
    """Move the cursor past what this sync just pushed when nothing else came in between: the device
    was up to date at ``head`` and its events took exactly the places after it. So a first sync
    does not pull its own history back."""
    store = s.store
    if not placed or int(store.meta(CURSOR, "0")) != head:
        return
    ordered = sorted(placed)
    if [seq for seq, _ in ordered] != list(range(head + 1, head + 1 + len(ordered))):
        return
    with store.write():
        store.set_meta(CURSOR, str(ordered[-1][0]))
        store.set_meta(CURSOR_EVENT, ordered[-1][1])


def _pull(s: Session, api: Api, progress: Progress | None, head: int) -> tuple[int, set[str], int]:
    store = s.store
    cursor = int(store.meta(CURSOR, "0"))
    mark = store.meta(CURSOR_EVENT) if cursor else ""
    start = cursor
    pulled = 0
    touched: set[str] = set()
    while True:
        page = api.pull(cursor - 1 if mark else cursor, MAX_PULL_LIMIT)
        if mark:  # the first page starts with the event at the cursor: the one pulled there, or the log was replaced
            if not page.events or page.events[0][1] != cursor or page.events[0][0].event_id != mark:
                raise _LogReplaced
            page, mark = page._replace(events=page.events[1:]), ""
        if page.next < cursor or (page.has_more and not page.events):
            raise SyncError("malformed", "the server's cursor went backwards")
        with store.write():
            fresh = store.apply_page([ev for ev, _ in page.events], CURSOR, page.next)
            if page.events:
                store.set_meta(CURSOR_EVENT, page.events[-1][0].event_id)
        pulled += len(fresh)
        touched.update(eff.habit_id for _, eff in effects(fresh))
        cursor = page.next
        if progress is not None:
            progress("pull", cursor - start, max(head - start, cursor - start))
        if not page.has_more:
            return pulled, touched, cursor


class SyncReport(NamedTuple):
    """What keeping in sync is doing, for a status line or a log."""

    state: Literal["syncing", "synced", "offline", "error"]
    result: SyncResult | None = None
    message: str = ""
    retry_in: float | None = None
    """Seconds until the next try after a failure that passes (None: no more tries)."""


FATAL = frozenset({"auth", "incompatible", "refused", "usage"})
"""Failures that trying again does not mend (the others are retried, with backoff)."""


def keep_in_sync(
    s: Session,
    api: Api,
    report: Callable[[SyncReport], None],
    stopped: Callable[[float], bool],
    *,
    idle: float = 1.0,
    max_backoff: float = 60.0,
) -> SyncError | None:
    """Sync now, then on every hint of the server's stream and whenever this device has changes to
    push (checked every ``idle`` seconds), until ``stopped(wait)`` says so. ``stopped`` waits up to
    ``wait`` seconds for a stop (a ``threading.Event.wait``). Failures are reported; those in
    :data:`FATAL` end it, the others (the network, the server, a refused clock) are retried with
    backoff."""
    backoff = 1.0

    def once() -> None:
        report(SyncReport("syncing"))
        report(SyncReport("synced", sync(s, api)))

    while not stopped(0):
        try:
            once()
            backoff = 1.0
            for head in api.hints(idle=idle):
                if stopped(0):
                    return None
                if head is None:
                    if s.store.outbox_count():
                        once()
                elif head > sync_state(s).cursor:
                    once()
        except SyncError as exc:
            if exc.kind in FATAL:
                report(SyncReport("error", message=str(exc)))
                return exc
            state: Literal["offline", "error"] = "offline" if exc.kind == "offline" else "error"
            report(SyncReport(state, message=str(exc), retry_in=backoff))
            if stopped(backoff):
                return None
            backoff = min(max_backoff, backoff * 2)
    return None
