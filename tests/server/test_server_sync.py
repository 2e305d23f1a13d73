"""The sync protocol end to end over HTTP, on SQLite and on PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from typing import Any

from habit_server.services.pull import pull_json
from sync_protocol.domain.events import Event
from sync_protocol.domain.ids import hlc_from_ms, now_ms, uuid7
from sync_protocol.domain.merge import Replica
from sync_protocol.wire import PROTOCOL_HEADER, PROTOCOL_VERSION
from sync_protocol.wire.sync import PullResponse
from tests.server.conftest import SettingsFactory, open_api
from tests.server.support import Account, Api, Device, fresh_rate_window


async def test_status_names_the_store_and_head(api: Api) -> None:
    who = await api.account()
    r = await api.client.get("/api/v1/sync/status", headers=who.headers)
    assert r.status_code == 200
    assert r.headers[PROTOCOL_HEADER] == str(PROTOCOL_VERSION)
    body = r.json()
    assert body["head_seq"] == 0
    assert body["protocol"] == PROTOCOL_VERSION
    assert len(body["store_id"]) == 36


async def test_push_then_pull_returns_events_in_order_with_gapless_seqs(api: Api) -> None:
    who = await api.account()
    dev = Device()
    hid = uuid7()
    events = [dev.create(hid, "Run"), dev.checkin(hid, "2026-01-01"), dev.checkin(hid, "2026-01-02", note="ok")]
    r = await api.push(who, events)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["status"] for x in body["results"]] == ["ok", "ok", "ok"]
    assert [x["server_seq"] for x in body["results"]] == [1, 2, 3]
    assert body["head_seq"] == 3
    pulled = await api.pull_all(who)
    assert [e["event_id"] for e in pulled] == [e["event_id"] for e in events]
    assert [e["server_seq"] for e in pulled] == [1, 2, 3]
    assert pulled[2]["payload"] == events[2]["payload"]


async def test_push_is_idempotent(api: Api) -> None:
    who = await api.account()
    dev = Device()
    hid = uuid7()
    events = [dev.create(hid, "Run"), dev.checkin(hid, "2026-01-01")]
    first = (await api.push(who, events)).json()
    again = (await api.push(who, [*events, events[0]])).json()
    assert [x["status"] for x in again["results"]] == ["duplicate", "duplicate", "duplicate"]
    assert [x["server_seq"] for x in again["results"]] == [1, 2, 1]
    assert again["head_seq"] == first["head_seq"] == 2
    assert len(await api.pull_all(who)) == 2


async def test_a_different_event_under_a_known_id_is_a_conflict(api: Api) -> None:
    who = await api.account()
    dev = Device()
    hid = uuid7()
    ev = dev.create(hid, "Run")
    await api.push(who, [ev])
    forged = {**ev, "hlc": ev["hlc"] + 5}
    result = (await api.push(who, [forged])).json()["results"][0]
    assert result["status"] == "error"
    assert result["error"]["code"] == "event_conflict"


async def test_bad_events_get_their_own_error_and_the_rest_are_stored(api: Api) -> None:
    who = await api.account()
    dev = Device()
    hid = uuid7()
    future = hlc_from_ms(now_ms() + 25 * 3600 * 1000)
    events = [
        dev.create(hid, "Run"),
        dev.event("checkin.set", {"habit_id": hid, "date": "2026-13-01", "value": 1}),
        dev.event("checkin.set", {"habit_id": hid, "date": "2026-01-01", "value": 1}, hlc=future),
        dev.event("habit.create", {"habit_id": "not-a-uuid", "name": "x"}),
        dev.event("reminder.set", {"anything": [1, 2]}),
    ]
    body = (await api.push(who, events)).json()
    statuses = [(x["status"], (x["error"] or {}).get("code")) for x in body["results"]]
    assert statuses == [
        ("ok", None),
        ("error", "invalid_payload"),
        ("error", "clock_skew"),
        ("error", "invalid_payload"),
        ("ok", None),
    ]
    pulled = await api.pull_all(who)
    assert [e["kind"] for e in pulled] == ["habit.create", "reminder.set"]
    assert pulled[1]["payload"] == {"anything": [1, 2]}  # unknown kinds are stored and passed on


async def test_pull_pages_with_cursor(api: Api) -> None:
    who = await api.account()
    dev = Device()
    hid = uuid7()
    events = [dev.create(hid, "Run")] + [dev.checkin(hid, f"2025-01-{d:02d}") for d in range(1, 26)]
    await api.push(who, events)
    r = await api.client.get("/api/v1/sync/events?after=0&limit=10", headers=who.headers)
    page = r.json()
    assert [e["server_seq"] for e in page["events"]] == list(range(1, 11))
    assert page["next"] == 10
    assert page["has_more"] is True
    last = (await api.client.get("/api/v1/sync/events?after=20&limit=10", headers=who.headers)).json()
    assert [e["server_seq"] for e in last["events"]] == list(range(21, 27))
    assert last["has_more"] is False
    assert last["next"] == 26
    beyond = (await api.client.get("/api/v1/sync/events?after=99", headers=who.headers)).json()
    assert beyond == {"events": [], "next": 99, "has_more": False}
    assert len(await api.pull_all(who, limit=7)) == 26


async def test_users_never_see_each_others_events(api: Api) -> None:
    ann, bob = await api.account(), await api.account()
    dev = Device()
    hid = uuid7()
    await api.push(ann, [dev.create(hid, "Secret")])
    assert await api.pull_all(bob) == []
    # Bob pushing the same event id and habit id makes his own copy, not a duplicate of Ann's.
    body = (await api.push(bob, [dev.create(hid, "Mine")])).json()
    assert body["results"][0]["status"] == "ok"
    r = await api.client.get(f"/api/v1/habits/{hid}", headers=bob.headers)
    assert r.json()["name"] == "Mine"
    r = await api.client.get(f"/api/v1/habits/{hid}", headers=ann.headers)
    assert r.json()["name"] == "Secret"


async def test_concurrent_pushes_get_gapless_unique_seqs(api: Api) -> None:
    who = await api.account()
    devices = [Device() for _ in range(6)]
    hid = uuid7()

    async def one(dev: Device, n: int) -> None:
        for i in range(4):
            r = await api.push(who, [dev.checkin(hid, f"2025-0{n + 1}-{i + 1:02d}") for _ in range(1)])
            assert r.status_code == 200, r.text

    await asyncio.gather(*(one(d, n) for n, d in enumerate(devices)))
    pulled = await api.pull_all(who)
    assert [e["server_seq"] for e in pulled] == list(range(1, 25))
    assert len({e["event_id"] for e in pulled}) == 24


def _random_events(rng: random.Random) -> list[dict[str, Any]]:
    devices = [Device() for _ in range(3)]
    habits = [uuid7() for _ in range(3)]
    events: list[dict[str, Any]] = []
    base = hlc_from_ms(now_ms())
    for _ in range(60):
        dev = rng.choice(devices)
        hid = rng.choice(habits)
        hlc = base + rng.randrange(0, 50)  # colliding clocks: ties are broken by device_id, event_id
        roll = rng.random()
        if roll < 0.2:
            ev = dev.event("habit.create", {"habit_id": hid, "name": rng.choice(["A", "B", "C"])}, hlc=hlc)
        elif roll < 0.35:
            fields = {"habit_id": hid, rng.choice(["description", "color"]): rng.choice(["", "red", "blue"])}
            ev = dev.event("habit.update", fields, hlc=hlc)
        elif roll < 0.4:
            ev = dev.event("habit.archive", {"habit_id": hid, "archived": rng.random() < 0.5}, hlc=hlc)
        elif roll < 0.43:
            ev = dev.event("habit.delete", {"habit_id": hid}, hlc=hlc)
        elif roll < 0.85:
            day = f"2025-03-0{rng.randrange(1, 4)}"
            payload = {"habit_id": hid, "date": day, "value": rng.randrange(0, 3), "note": rng.choice(["", "x"])}
            ev = dev.event("checkin.set", payload, hlc=hlc)
        else:
            ev = dev.event("checkin.clear", {"habit_id": hid, "date": f"2025-03-0{rng.randrange(1, 4)}"}, hlc=hlc)
        events.append(ev)
    return events


def _domain(e: dict[str, Any]) -> Event:
    return Event(e["event_id"], e["device_id"], e["device_seq"], e["hlc"], e["kind"], e["payload"], e["schema"])


async def test_materialised_state_matches_the_reference_replica_in_any_order(api: Api) -> None:
    for seed in range(3):
        rng = random.Random(seed)
        who = await api.account()
        events = _random_events(rng)
        shuffled = events + rng.sample(events, 10)
        rng.shuffle(shuffled)
        while shuffled:
            cut = rng.randrange(1, 20)
            batch, shuffled = shuffled[:cut], shuffled[cut:]
            r = await api.push(who, batch)
            assert r.status_code == 200, r.text
        await _assert_matches_replica(api, who, events, seed)


async def _assert_matches_replica(api: Api, who: Account, events: list[dict[str, Any]], label: object) -> None:
    replica = Replica()
    for e in events:
        replica.apply(_domain(e))
    expected = replica.visible()
    export = (await api.client.get("/api/v1/users/me/export", headers=who.headers)).json()
    got = {h["id"]: h for h in export["habits"]}
    assert set(got) == set(expected), label
    for hid, want in expected.items():
        for name, value in want["fields"].items():
            assert got[hid][name] == value, (label, hid, name)
        checks = {c["date"]: (c["value"], c["skipped"], c["note"]) for c in got[hid]["checkins"]}
        assert checks == want["checkins"], (label, hid)


async def test_concurrent_overlapping_pushes_store_each_event_once_and_converge(api: Api) -> None:
    """Pushes of one user that wait for each other's lock (and re-read what the winner wrote)."""
    rng = random.Random(7)
    who = await api.account()
    events = _random_events(rng)
    batches = [rng.sample(events, 15) for _ in range(12)] + [events]
    responses = await asyncio.gather(*(api.push(who, batch) for batch in batches))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    seq_of: dict[str, int] = {}
    for r in responses:
        for result in r.json()["results"]:
            assert result["status"] in ("ok", "duplicate"), result
            assert seq_of.setdefault(result["event_id"], result["server_seq"]) == result["server_seq"]
    pulled = await api.pull_all(who)
    assert [e["server_seq"] for e in pulled] == list(range(1, len(events) + 1))
    assert sorted(e["event_id"] for e in pulled) == sorted(e["event_id"] for e in events)
    await _assert_matches_replica(api, who, events, "concurrent")


async def test_pushes_are_rate_limited_per_user(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(pushes_per_minute=3), "any"):
        ann, bob = await api.account(), await api.account()
        dev, hid = Device(), uuid7()
        await fresh_rate_window()
        codes = []
        for d in range(1, 5):
            codes.append((await api.push(ann, [dev.checkin(hid, f"2026-01-0{d}")])).status_code)
            await api.rt.hub.settle()  # with Redis the count comes back after the answer
        assert codes == [200, 200, 200, 429]
        refused = await api.push(ann, [dev.checkin(hid, "2026-01-09")])
        assert refused.json()["error"]["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) >= 1
        assert len(await api.pull_all(ann)) == 3  # refused pushes stored nothing
        assert (await api.push(bob, [Device().checkin(uuid7(), "2026-01-01")])).status_code == 200


async def test_the_hand_built_pull_json_is_a_valid_pull_response(api: Api) -> None:
    """``pull_json`` writes JSON text from the stored rows itself: it must parse as the wire model says."""
    who = await api.account()
    dev = Device()
    hid = uuid7()
    tricky = 'Ünïcode "quoted" \\ back\\slash ✓ 🏃'
    events = [
        dev.create(hid, tricky, description='a "line"\nand \\n a real newline', tags=["straße", "ü"]),
        dev.checkin(hid, "2026-01-01", value=2.5, note=tricky),
        dev.event("future.kind", {"habit_id": hid, 'key "with" \\ quotes': {"ünï": [1, 2.5, None, True, "\\u0041"]}}),
    ]
    assert [x["status"] for x in (await api.push(who, events)).json()["results"]] == ["ok", "ok", "ok"]
    body = await pull_json(api.rt, uuid.UUID(who.user_id), 0, 10)
    page = PullResponse.model_validate_json(body)
    assert (page.next, page.has_more) == (3, False)
    assert [e.server_seq for e in page.events] == [1, 2, 3]
    got = [e.model_dump(mode="json", by_alias=True, exclude={"server_seq"}) for e in page.events]
    assert got == events
    assert json.loads(body) == page.model_dump(mode="json", by_alias=True)
    first = PullResponse.model_validate_json(await pull_json(api.rt, uuid.UUID(who.user_id), 0, 2))
    assert ([e.server_seq for e in first.events], first.next, first.has_more) == ([1, 2], 2, True)


async def test_a_number_too_large_for_a_float_is_that_events_error(api: Api) -> None:
    who = await api.account()
    dev = Device()
    hid = uuid7()
    events = [
        dev.create(hid, "Big"),
        dev.event("checkin.set", {"habit_id": hid, "date": "2026-01-01", "value": 10**400}),
        dev.event("habit.update", {"habit_id": hid, "target": 10**400}),
        dev.checkin(hid, "2026-01-02"),
    ]
    body = (await api.push(who, events)).json()
    assert [(x["status"], (x["error"] or {}).get("code")) for x in body["results"]] == [
        ("ok", None),
        ("error", "invalid_payload"),
        ("error", "invalid_payload"),
        ("ok", None),
    ]
    for url, request in (
        ("/api/v1/habits", {"name": "Huge", "target": 10**400}),
        (f"/api/v1/habits/{hid}/complete", {"value": 10**400}),
    ):
        r = await api.client.post(url, json=request, headers=who.headers)
        assert r.status_code == 422, r.text
