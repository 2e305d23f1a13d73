"""``kill -9`` of the real ``habit sync`` mid-push or mid-pull, then rerun: one trial, and the checks.

Shared by ``tests/sync/test_sync_crashes.py`` (a few dozen trials) and ``tests/stress/kill_sync.py``
(a thousand). A trial, on a fresh account of a running server:

1. device B records ``remote`` events and pushes them (in this process);
2. device A records ``local`` events, in one of two modes: ``join`` (A's first sync: it joins the
   account and re-pushes everything it holds) or ``outbox`` (A joined the empty account before, so
   its events go through the outbox);
3. A runs the real ``habit sync`` (push ``local`` events, pull ``local + remote``), killed with
   SIGKILL after ``delay`` seconds; then reruns ``habit sync`` until it exits 0;
4. both devices sync again, and :func:`check` looks for anything lost, doubled or broken.

Where the kill landed is read from A's database and the server's head right after it
(:func:`phase_of`). Everything random comes from the trial's seed, except the moment of the kill
(timing), which the outcome records as ``delay``.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from habit_tui.services import account as accounts
from habit_tui.services import syncing
from habit_tui.sync.account import load_account, save_account
from sync_protocol.domain import events as ev
from sync_protocol.domain.fields import habit_to_fields
from sync_protocol.domain.habit import Habit, HabitKind
from sync_protocol.domain.ids import uuid7
from sync_protocol.domain.schedule import Schedule
from sync_protocol.domain.view import checkin_view
from tests.habit_cli import HABIT, Result, run_habit
from tests.sync.conftest import Device, new_username

EXPORT_PATH = "/api/v1/users/me/export"
FIRST_DAY = date(2023, 1, 1)
MODES = ("join", "outbox")
PHASES = ("start", "push", "pull", "end", "finished", "error")
"""Where a kill landed: before anything reached the server, mid-push, mid-pull, after the pull
(renames, bookkeeping, exit), or the sync had finished before the kill; "error": the trial failed."""
MAX_RUNS = 4
"""Reruns of ``habit sync`` after a kill before the trial counts as a failure."""


@dataclass(frozen=True)
class Sizes:
    local: int = 2000
    """Events A records (its outbox)."""
    remote: int = 3000
    """Events B pushes first, for A to pull."""


@dataclass
class Outcome:
    seed: int
    mode: str
    delay: float | None
    """Seconds after the start of ``habit sync`` that it was killed (None: not killed)."""
    phase: str = "finished"
    reruns: int = 0
    seconds: float = 0.0
    """Wall time of the first ``habit sync`` (to its exit or its kill)."""
    violations: list[str] = field(default_factory=list)

    def describe(self) -> str:
        delay = "none" if self.delay is None else f"{self.delay:.3f}s"
        return f"seed={self.seed} mode={self.mode} delay={delay} phase={self.phase} reruns={self.reruns}"


# ----- a server of one's own ------------------------------------------------------------------------


# ----- making events quickly ----------------------------------------------------------------------


def record_events(device: Device, prefix: str, n: int, rng: random.Random) -> set[str]:
    """``n`` valid events on ``device`` in one transaction: a few habits, then check-ins (set, skip,
    note, clear) and some edits and archive toggles. Returns their event ids."""
    made: set[str] = set()
    with device.session() as s:
        store = s.store
        with store.write():
            habits: list[Habit] = []
            for i in range(min(n, rng.randint(3, 8))):
                measurable = rng.random() < 0.3
                habit = Habit(
                    id=uuid7(),
                    name=f"{prefix} habit {i}",
                    schedule=Schedule.parse(rng.choice(["daily", "mon,wed,fri", "3/week"])),
                    start_date=FIRST_DAY,
                    kind=HabitKind.MEASURABLE if measurable else HabitKind.YES_NO,
                    unit="pages" if measurable else "",
                    target=20.0 if measurable else 1.0,
                    position=i,
                )
                made.add(store.record(ev.HABIT_CREATE, {"habit_id": habit.id, **habit_to_fields(habit)}).event_id)
                habits.append(habit)
            archived: dict[str, bool] = {}
            while len(made) < n:
                habit = rng.choice(habits)
                day = (FIRST_DAY + timedelta(days=rng.randrange(900))).isoformat()
                roll = rng.random()
                if roll < 0.70:
                    payload: dict[str, Any] = {"habit_id": habit.id, "date": day, "value": float(rng.randint(0, 30))}
                    if rng.random() < 0.1:
                        payload["note"] = f"note {rng.randrange(1000)} ✓"
                    made.add(store.record(ev.CHECKIN_SET, payload).event_id)
                elif roll < 0.80:
                    made.add(store.record(ev.CHECKIN_SET, {"habit_id": habit.id, "date": day, "skip": True}).event_id)
                elif roll < 0.90:
                    made.add(store.record(ev.CHECKIN_CLEAR, {"habit_id": habit.id, "date": day}).event_id)
                elif roll < 0.97:
                    change = {"description": f"v{rng.randrange(10**6)}"}
                    made.add(store.record(ev.HABIT_UPDATE, {"habit_id": habit.id, **change}).event_id)
                else:
                    archived[habit.id] = not archived.get(habit.id, False)
                    payload = {"habit_id": habit.id, "archived": archived[habit.id]}
                    made.add(store.record(ev.HABIT_ARCHIVE, payload).event_id)
    return made


# ----- the real command ---------------------------------------------------------------------------


def _env(device: Device) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HABIT_", "OLLAMA_", "NO_COLOR", "FORCE_COLOR"))}
    return env | {"HABIT_HOME": str(device.home), "HABIT_NOW": device.now, "COLUMNS": "200"}


def sync_killed(device: Device, delay: float | None) -> tuple[bool, float]:
    """Run ``habit sync`` on ``device`` and SIGKILL it after ``delay`` seconds unless it ended before.
    Returns (killed, seconds it ran)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [HABIT, "sync"], env=_env(device), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        proc.wait(delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True, time.perf_counter() - start
    finally:
        if proc.stderr is not None:
            err = proc.stderr.read().decode(errors="replace")
            proc.stderr.close()
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise AssertionError(f"habit sync failed without a kill ({proc.returncode}): {err.strip()}")
    return False, elapsed


def sync_until_ok(device: Device, max_runs: int = MAX_RUNS) -> tuple[int, Result]:
    """Rerun ``habit sync`` until it exits 0 (at most ``max_runs`` times); (runs, last result)."""
    for run in range(1, max_runs + 1):
        result = run_habit(device.home, "sync", env={"HABIT_NOW": device.now})
        if result.code == 0:
            return run, result
    return max_runs, result


# ----- reading devices and the server -------------------------------------------------------------


def head(device: Device) -> int:
    with device.session() as s:
        api = accounts.open_api(s)
        try:
            return api.status().head
        finally:
            api.close()


def phase_of(device: Device, head_before: int, head_now: int) -> str:
    """Where a kill left ``device``'s sync, from its database and the server's head."""
    with _db(device) as conn:
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        outbox = conn.execute("SELECT count(*) FROM events WHERE local = 1 AND pushed = 0").fetchone()[0]
    if syncing.REPUSH in meta or outbox or not meta.get(syncing.STORE_ID):
        return "push" if head_now > head_before else "start"
    return "pull" if int(meta.get(syncing.CURSOR, "0")) < head_now else "end"


def _db(device: Device) -> closing[sqlite3.Connection]:
    """A plain connection to a device's database (no migration, no store), closed on exit."""
    return closing(sqlite3.connect(device.home / "habit.db"))


def export(device: Device) -> dict[str, Any]:
    """The GDPR export of ``device``'s account: everything the server holds, its whole event log too."""
    account = load_account(device.home)
    assert account is not None, f"{device.home} is not logged in"
    if account.access_expires - time.time() < 60:
        with device.session() as s:
            api = accounts.open_api(s)
            try:
                account = api.refresh()
            finally:
                api.close()
    reply = httpx.get(
        account.server + EXPORT_PATH, headers={"Authorization": f"Bearer {account.access_token}"}, timeout=60
    )
    reply.raise_for_status()
    doc: dict[str, Any] = reply.json()
    return doc


def device_view(device: Device) -> list[dict[str, Any]]:
    """Every live habit (archived too) with its check-ins, as the export shows them."""
    with device.session() as s:
        return [
            {"id": h.id, **habit_to_fields(h), "checkins": [checkin_view(c) for c in s.store.checkins(h.id)]}
            for h in sorted(s.store.habits(include_archived=True), key=lambda h: h.id)
        ]


def server_view(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(doc["habits"], key=lambda h: str(h["id"]))


def _events(conn: sqlite3.Connection) -> dict[str, tuple[Any, ...]]:
    rows = conn.execute("SELECT event_id, device_id, device_seq, hlc, kind, schema FROM events").fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def check(devices: Sequence[Device], expected: Iterable[str] = ()) -> list[str]:
    """Every way the devices and their server can disagree after a final sync, as sentences (none: all good).

    - the server's log holds each event once, and exactly the events the devices hold together, and
      every id in ``expected`` (events made during the test);
    - each device: ``PRAGMA integrity_check`` ok, nothing waiting or refused, its own ``device_seq``
      gapless 1..N, its cursor at the server's head, every event of the log, and the same habits and
      check-ins (materialised rows) as the other devices and as the server's export.
    """
    problems: list[str] = []
    doc = export(devices[0])
    log = doc["events"]
    ids = [e["event_id"] for e in log]
    twice = [i for i, c in Counter(ids).items() if c > 1]
    if twice:
        problems.append(f"{len(twice)} event(s) are in the server's log more than once, e.g. {twice[0]}")
    on_server = {e["event_id"]: (e["device_id"], e["device_seq"], e["hlc"], e["kind"], e["schema"]) for e in log}
    missing = set(expected) - on_server.keys()
    if missing:
        problems.append(f"{len(missing)} event(s) made in the test are not on the server, e.g. {min(missing)}")
    server_head = max((int(e["server_seq"]) for e in log), default=0)
    if server_head != len(log):
        problems.append(f"the server's log has {len(log)} events but its last server_seq is {server_head}")
    union: dict[str, tuple[Any, ...]] = {}
    tables: list[tuple[list[Any], list[Any]]] = []
    for d in devices:
        name = d.home.name
        with _db(d) as conn:
            ok = conn.execute("PRAGMA integrity_check").fetchall()
            if ok != [("ok",)]:
                problems.append(f"{name}: integrity_check says {ok[:3]}")
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            held = _events(conn)
            union.update(held)
            waiting = conn.execute("SELECT count(*) FROM events WHERE local = 1 AND pushed = 0").fetchone()[0]
            refused = conn.execute("SELECT count(*) FROM events WHERE pushed = 2").fetchone()[0]
            seqs = [
                r[0]
                for r in conn.execute(
                    "SELECT device_seq FROM events WHERE device_id = ? ORDER BY device_seq", (meta["device_id"],)
                )
            ]
            not_local = conn.execute(
                "SELECT count(*) FROM events WHERE (device_id = ?) != (local = 1)", (meta["device_id"],)
            ).fetchone()[0]
            tables.append(
                (
                    conn.execute("SELECT * FROM habits ORDER BY id").fetchall(),
                    conn.execute("SELECT * FROM checkins ORDER BY habit_id, date").fetchall(),
                )
            )
        if waiting or refused:
            problems.append(f"{name}: {waiting} event(s) still waiting, {refused} refused")
        if seqs != list(range(1, len(seqs) + 1)) or str(len(seqs)) != meta.get("device_seq", "0"):
            gaps = sorted(set(range(1, len(seqs) + 1)) - set(seqs))[:5]
            problems.append(
                f"{name}: device_seq not gapless: {len(seqs)} own events, meta says {meta.get('device_seq')}, "
                f"missing e.g. {gaps}"
            )
        if not_local:
            problems.append(f"{name}: {not_local} event(s) have the wrong 'local' flag")
        if int(meta.get(syncing.CURSOR, "-1")) != server_head or syncing.REPUSH in meta:
            problems.append(
                f"{name}: cursor {meta.get(syncing.CURSOR)} (repush {meta.get(syncing.REPUSH)}) "
                f"after a full sync, server head {server_head}"
            )
        if held.keys() != on_server.keys():
            problems.append(
                f"{name}: holds {len(held.keys() - on_server.keys())} event(s) the server lacks, "
                f"lacks {len(on_server.keys() - held.keys())} the server has"
            )
        if d is not devices[0] and tables[-1] != tables[0]:
            problems.append(f"{name}: habits or check-ins differ from {devices[0].home.name}'s")
    differ = [eid for eid, row in union.items() if on_server.get(eid, row) != row]
    if differ:
        problems.append(f"{len(differ)} event(s) differ between a device and the server, e.g. {differ[0]}")
    if union.keys() != on_server.keys():
        problems.append(
            f"the devices together hold {len(union)} events, the server {len(on_server)} "
            f"({len(union.keys() - on_server.keys())} not on the server)"
        )
    view = device_view(devices[0])
    if view != server_view(doc):
        problems.append(f"the server's habits and check-ins differ from {devices[0].home.name}'s")
    if not view:
        problems.append("no habits at all")
    return problems


# ----- a trial ------------------------------------------------------------------------------------


def run_trial(
    server: str, work: Path, seed: int, delay: float | None, sizes: Sizes = Sizes(), *, stale_token: bool = False
) -> Outcome:
    """One kill -9 trial in ``work`` (a fresh directory) on a fresh account of ``server``. ``stale_token``:
    A's access token counts as expired, so its ``habit sync`` first refreshes (rotates) its tokens."""
    rng = random.Random(seed)
    outcome = Outcome(seed, MODES[rng.randrange(len(MODES))], delay)
    try:
        _trial(outcome, rng, server, work, sizes, stale_token)
    except Exception as exc:  # a failure of the trial itself (setup, a sync that fails unkilled): with its seed
        outcome.phase = "error"
        outcome.violations.append(f"{type(exc).__name__}: {exc}")
    return outcome


def _trial(outcome: Outcome, rng: random.Random, server: str, work: Path, sizes: Sizes, stale_token: bool) -> None:
    a, b = Device(work / "a"), Device(work / "b")
    user = new_username()
    a.register(server, user)
    b.login(server, user)
    if outcome.mode == "outbox":
        a.sync()  # joins the empty account: A's events below go through the outbox
    expected = record_events(b, "B", sizes.remote, rng)
    b.sync()
    expected |= record_events(a, "A", sizes.local, rng)
    if stale_token:
        account = load_account(a.home)
        assert account is not None
        save_account(a.home, account._replace(access_expires=0.0))
    before = head(b)
    killed, outcome.seconds = sync_killed(a, outcome.delay)
    if killed:
        outcome.phase = phase_of(a, before, head(b))
    runs, last = sync_until_ok(a)
    outcome.reruns = runs
    if last.code != 0:
        outcome.violations.append(f"habit sync still fails after {runs} reruns: {last.err.strip()}")
        return
    b.sync()
    a.sync()
    outcome.violations += check([a, b], expected)


def calibrate(server: str, work: Path, seed: int, sizes: Sizes = Sizes()) -> tuple[float, float, Outcome]:
    """A trial with no kill, timed: (seconds ``habit`` takes to start, seconds the whole sync takes, it)."""
    outcome = run_trial(server, work, seed, None, sizes)
    device = Device(work / "a")
    start = time.perf_counter()
    assert run_habit(device.home, "sync", "--status").code == 0
    return time.perf_counter() - start, outcome.seconds, outcome


def kill_delays(rng: random.Random, n: int, low: float, high: float) -> list[float]:
    """``n`` delays spread over ``[low, high]``: one at random in each of ``n`` equal slices, shuffled."""
    width = (high - low) / n
    out = [low + width * (i + rng.random()) for i in range(n)]
    rng.shuffle(out)
    return out


_BEFORE = {"push": ("start",), "pull": ("start", "push")}
_AFTER = {"push": ("pull", "end", "finished"), "pull": ("end", "finished")}


def aim(outcomes: list[Outcome], phase: str, low: float, high: float, rng: random.Random) -> float:
    """A delay that should land a kill in ``phase``: between the latest delay that killed the sync
    before it and the earliest that killed it after it (a bisection on what the trials saw; on a
    loaded machine the calibrated timings alone can miss a short phase)."""
    killed = [o for o in outcomes if o.delay is not None]
    lo = max([o.delay for o in killed if o.phase in _BEFORE[phase] and o.delay is not None], default=low)
    hi = min([o.delay for o in killed if o.phase in _AFTER[phase] and o.delay is not None], default=high)
    return rng.uniform(lo, max(lo, hi))
