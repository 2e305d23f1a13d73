"""One merge, four replicas: the client's SQLite store, the server on SQLite, the server on
PostgreSQL, and the reference :class:`Replica` end with identical habits and check-ins after any
set of events: duplicated, reordered, split into batches, with deletes, edits of the same slot,
malformed events and kinds nobody knows yet.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habit_tui.store.repository import Store
from sync_protocol.domain.events import Event
from sync_protocol.domain.fields import HABIT_FIELD_TABLE, habit_to_fields
from sync_protocol.domain.merge import Replica
from sync_protocol.wire.sync import EventIn
from tests.merge_events import event_sets, shuffled_with_duplicates
from tests.server.conftest import make_settings, open_api
from tests.server.support import Api

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

View = dict[str, tuple[dict[str, Any], dict[str, tuple[float | None, bool, str]]]]
"""Per live habit: its fields as JSON values, and its check-ins by date (value, skipped, note)."""


class Servers:
    """The server on SQLite and on PostgreSQL + Redis, running on one event loop for the whole module."""

    def __init__(self, runner: asyncio.Runner, apis: dict[str, Api]) -> None:
        self.runner = runner
        self.apis = apis

    def view_after(self, backend: str, batches: list[list[Event]]) -> View:
        return self.runner.run(_push_and_read(self.apis[backend], batches))


@pytest.fixture(scope="module")
def servers(
    pg_url: str, redis_url: str, redis_prefix: str, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    sqlite_db = tmp_path_factory.mktemp("merge-everywhere") / "server.db"
    shutil.copy(sqlite_template, sqlite_db)
    configs = {
        "sqlite": make_settings(database_url=f"sqlite+aiosqlite:///{sqlite_db}"),
        "postgres": make_settings(
            database_url=pg_url, redis_url=redis_url, redis_prefix=f"{redis_prefix}{secrets.token_hex(3)}:"
        ),
    }
    runner = asyncio.Runner()
    running: dict[str, AsyncIterator[Api]] = {name: open_api(cfg, name) for name, cfg in configs.items()}
    try:
        apis: dict[str, Api] = {name: runner.run(anext(gen)) for name, gen in running.items()}  # type: ignore[arg-type]
        yield Servers(runner, apis)
    finally:
        for gen in running.values():
            runner.run(gen.aclose())  # type: ignore[attr-defined]
        runner.close()


async def _push_and_read(api: Api, batches: list[list[Event]]) -> View:
    who = await api.account()
    for batch in batches:
        r = await api.push(who, [EventIn.from_domain(e).model_dump(by_alias=True) for e in batch])
        assert r.status_code == 200, r.text
        for result in r.json()["results"]:
            # a malformed event of a known kind is refused; everything else is stored (or was already)
            assert result["status"] in ("ok", "duplicate") or result["error"]["code"] == "invalid_payload", result
    export = (await api.client.get("/api/v1/users/me/export", headers=who.headers)).json()
    return {
        h["id"]: (
            {f.name: h[f.name] for f in HABIT_FIELD_TABLE},
            {c["date"]: (c["value"], c["skipped"], c["note"]) for c in h["checkins"]},
        )
        for h in export["habits"]
    }


def _client_view(batches: list[list[Event]]) -> View:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "habit.db")
        try:
            for batch in batches:  # a pulled page is applied in one transaction
                store.apply_many(batch)
            checkins = store.all_checkins()
            return {
                h.id: (
                    habit_to_fields(h),
                    {c.date.isoformat(): (c.value, c.skipped, c.note) for c in checkins.get(h.id, [])},
                )
                for h in store.habits(include_archived=True)
            }
        finally:
            store.close()


def _replica_view(events: list[Event]) -> tuple[View, set[str]]:
    """The oracle's view, and the habits whose start date no event set (each store picks its own default)."""
    visible = Replica().apply_all(events).visible()
    view: View = {}
    for hid, state in visible.items():
        fields = {f.name: state["fields"].get(f.name, f.default) for f in HABIT_FIELD_TABLE}
        view[hid] = (fields, dict(state["checkins"]))
    return view, {hid for hid, state in visible.items() if "start_date" not in state["fields"]}


def _without_start_dates(view: View, habits: set[str]) -> View:
    return {
        hid: ({k: v for k, v in fields.items() if not (k == "start_date" and hid in habits)}, checkins)
        for hid, (fields, checkins) in view.items()
    }


def _batches(events: list[Event], data: st.DataObject) -> list[list[Event]]:
    """The events in a random order, some twice, cut into batches of random sizes."""
    order = shuffled_with_duplicates(events, data)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(order)), max_size=4)))
    bounds = [0, *cuts, len(order)]
    return [order[a:b] for a, b in itertools.pairwise(bounds) if b > a]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=event_sets(), data=st.data())
def test_client_store_servers_and_replica_end_identical(
    servers: Servers, events: list[Event], data: st.DataObject
) -> None:
    expected, no_start = _replica_view(events)
    got = {
        "client store": _client_view(_batches(events, data)),
        "server on SQLite": servers.view_after("sqlite", _batches(events, data)),
        "server on PostgreSQL": servers.view_after("postgres", _batches(events, data)),
    }
    want = _without_start_dates(expected, no_start)
    for replica, view in got.items():
        assert _without_start_dates(view, no_start) == want, replica


def test_the_views_compared_are_not_empty(servers: Servers) -> None:
    """The contract above compares real state: a create and a check-in show up in every view."""
    hid = "0190a0b0-0000-7000-8000-000000000001"
    device = "0190a0b0-0000-7000-8000-0000000000da"
    events = [
        Event("0190a0b1-0000-7000-8000-000000000001", device, 1, 1, "habit.create", {"habit_id": hid, "name": "Read"}),
        Event(
            "0190a0b1-0000-7000-8000-000000000002",
            device,
            2,
            2,
            "checkin.set",
            {"habit_id": hid, "date": date(2024, 3, 1).isoformat(), "value": 1, "note": " ok "},
        ),
    ]
    for view in (
        _client_view([events]),
        servers.view_after("sqlite", [events]),
        servers.view_after("postgres", [events]),
    ):
        assert view[hid][0]["name"] == "Read"
        assert view[hid][1] == {"2024-03-01": (1.0, False, "ok")}
