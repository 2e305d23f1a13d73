"""Bounds that keep one account from freezing or filling the server (issue 12, items 1, 4, 5, 7, 8).

Dates: ``?today=`` is within a day of the server's UTC date and start dates fall from 1970 to 2100,
so a read never replays centuries. Events: a payload is at most 64 KiB and 32 levels deep, a pull
page ends early once it is big, and one user's log holds a bounded number of events. Event ids
are one id in any case, and one batch answers like the same events pushed one by one.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from habit_server.db.models import USERS
from sync_protocol.domain.ids import uuid7
from sync_protocol.protocol import MAX_PAYLOAD_BYTES
from tests.server.conftest import SettingsFactory, open_api
from tests.server.support import Api, Device


def utc_today() -> str:
    return datetime.now(UTC).date().isoformat()


def error_code(body: dict[str, Any]) -> str:
    code: str = body["error"]["code"]
    return code


# ----- item 1: dates -------------------------------------------------------------------------------
@pytest.mark.parametrize("today", ["9999-12-31", "0001-01-01", "1970-01-01", "+3 days", "-3 days"])
async def test_a_today_far_from_the_servers_date_is_refused(api: Api, today: str) -> None:
    if today.endswith("days"):
        today = (datetime.now(UTC).date() + timedelta(days=int(today.split(maxsplit=1)[0]))).isoformat()
    who = await api.account()
    habit = await api.create_habit(who, name="Walk")
    for url in ("/api/v1/habits?limit=200", "/api/v1/habits/at-risk", f"/api/v1/habits/{habit['id']}"):
        r = await api.client.get(f"{url}{'&' if '?' in url else '?'}today={today}", headers=who.headers)
        assert r.status_code == 422, (url, r.text)
        assert error_code(r.json()) == "validation_error"
    r = await api.client.post(f"/api/v1/habits/{habit['id']}/complete?today={today}", headers=who.headers)
    assert r.status_code == 422, r.text


async def test_today_within_a_day_of_utc_is_any_time_zones_today(api: Api) -> None:
    who = await api.account()
    base = datetime.now(UTC).date()
    for shift in (-1, 0, 1):
        day = (base + timedelta(days=shift)).isoformat()
        r = await api.client.get(f"/api/v1/habits?today={day}", headers=who.headers)
        assert r.status_code == 200, r.text


@pytest.mark.parametrize("start", ["0001-01-01", "1969-12-31", "2101-01-01", "9999-12-31"])
async def test_a_start_date_out_of_the_calendar_is_refused_everywhere(api: Api, start: str) -> None:
    who = await api.account()
    r = await api.client.post("/api/v1/habits", json={"name": "Old", "start_date": start}, headers=who.headers)
    assert r.status_code == 422 and error_code(r.json()) == "invalid_habit", r.text
    habit = await api.create_habit(who, name="Walk", start_date="1970-01-01")
    r = await api.client.put(f"/api/v1/habits/{habit['id']}", json={"start_date": start}, headers=who.headers)
    assert r.status_code == 422 and error_code(r.json()) == "invalid_habit", r.text
    d = Device()
    hid = uuid7()
    r = await api.push(who, [d.create(hid, "Pushed", start_date=start), d.checkin(habit["id"], start)])
    assert r.status_code == 200, r.text
    assert [(x["status"], x["error"]["code"]) for x in r.json()["results"]] == [("error", "invalid_payload")] * 2


# ----- item 4: storage and page bounds -------------------------------------------------------------
async def test_a_payload_over_the_size_cap_is_that_events_error(api: Api) -> None:
    who = await api.account()
    d = Device()
    big = d.event("x.blob", {"data": "x" * (MAX_PAYLOAD_BYTES + 1)})
    fits = d.event("x.blob", {"data": "x" * (MAX_PAYLOAD_BYTES - 100)})
    r = await api.push(who, [big, fits])
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert results[0]["status"] == "error" and results[0]["error"]["code"] == "payload_too_large"
    assert results[1]["status"] == "ok"
    assert [e["event_id"] for e in await api.pull_all(who)] == [fits["event_id"]]


async def test_a_pull_page_ends_early_once_it_is_big(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(pull_page_bytes=64 * 1024), "any"):
        who = await api.account()
        d = Device()
        events = [d.event("x.blob", {"data": str(i) * 40_000}) for i in range(5)]
        assert all(x["status"] == "ok" for x in (await api.push(who, events)).json()["results"])
        r = await api.client.get("/api/v1/sync/events?after=0&limit=1000", headers=who.headers)
        page = r.json()
        assert len(page["events"]) == 1 and page["has_more"] is True and page["next"] == 1
        pulled = await api.pull_all(who)
        assert [e["event_id"] for e in pulled] == [e["event_id"] for e in events]


async def test_a_users_log_is_bounded_by_the_quota(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(max_events_per_user=3), "any"):
        who = await api.account()
        d = Device()
        first = [d.event("x.note", {"n": i}) for i in range(2)]
        assert (await api.push(who, first)).status_code == 200
        over = [d.event("x.note", {"n": i}) for i in range(2, 4)]
        r = await api.push(who, over)
        assert r.status_code == 507 and error_code(r.json()) == "quota_exceeded", r.text
        assert len(await api.pull_all(who)) == 2  # nothing of the refused push was stored
        again = await api.push(who, first)  # re-pushing what is stored stays harmless
        assert [x["status"] for x in again.json()["results"]] == ["duplicate", "duplicate"]
        assert (await api.push(who, over[:1])).status_code == 200  # up to the quota


# ----- item 5: depth -------------------------------------------------------------------------------
def nested(levels: int) -> dict[str, Any]:
    deep: Any = 1
    for _ in range(levels):
        deep = {"a": deep}
    out: dict[str, Any] = deep
    return out


async def test_a_deeply_nested_event_is_refused_at_push(api: Api) -> None:
    who = await api.account()
    d = Device()
    r = await api.push(who, [d.event("x.deep", nested(300)), d.event("x.deep", nested(32))])
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert results[0]["status"] == "error" and results[0]["error"]["code"] == "invalid_payload"
    assert "nested" in results[0]["error"]["message"]
    assert results[1]["status"] == "ok"


async def test_the_export_hands_back_any_stored_payload(api: Api) -> None:
    """A payload stored before the depth cap (written here through the log itself) still exports."""
    who = await api.account()
    await api.create_habit(who, name="Walk")

    async def build(_conn: Any, _head: int) -> list[tuple[str, dict[str, Any]]]:
        return [("x.deep", nested(300))]

    await api.rt.log.record(uuid.UUID(who.user_id), uuid.UUID(who.device_id), build)
    r = await api.client.get("/api/v1/users/me/export", headers=who.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [e["kind"] for e in body["events"]] == ["habit.create", "x.deep"]
    assert body["habits"][0]["name"] == "Walk" and body["user"]["username"] == who.username
    assert isinstance(body["devices"][0]["created_at"], str)


# ----- item 7: event identity ----------------------------------------------------------------------
async def test_an_event_id_in_upper_case_is_the_same_event(api: Api) -> None:
    who = await api.account()
    d = Device()
    ev = d.create(uuid7(), "Walk")
    first = (await api.push(who, [ev])).json()["results"][0]
    assert first["status"] == "ok"
    upper = {**ev, "event_id": ev["event_id"].upper()}
    again = (await api.push(who, [upper])).json()["results"][0]
    assert again == {**first, "status": "duplicate", "error": None}
    assert len(await api.pull_all(who)) == 1


async def test_a_same_batch_conflict_is_answered_as_one_by_one(api: Api) -> None:
    who = await api.account()
    d = Device()
    ev = d.create(uuid7(), "Walk")
    other = {**d.create(uuid7(), "Run"), "event_id": ev["event_id"].upper()}
    results = (await api.push(who, [ev, other, ev])).json()["results"]
    assert [x["status"] for x in results] == ["ok", "error", "duplicate"]
    assert results[1]["error"]["code"] == "event_conflict"
    alone = (await api.push(who, [other])).json()["results"][0]  # the same event, pushed on its own
    assert alone["status"] == "error" and alone["error"]["code"] == "event_conflict"
    assert [e["payload"]["name"] for e in await api.pull_all(who)] == ["Walk"]


async def test_device_seq_gaps_and_reuse_are_accepted(api: Api) -> None:
    """``device_seq`` is the writer's count, not an identity: an event the server refused leaves a gap
    in a device's numbers, and refusing the next one would block that device's sync for good."""
    who = await api.account()
    d = Device()
    a = d.create(uuid7(), "Walk")
    gap = {**d.create(uuid7(), "Run"), "device_seq": a["device_seq"] + 10}
    reuse = {**d.create(uuid7(), "Swim"), "device_seq": a["device_seq"]}
    results = (await api.push(who, [a, gap, reuse])).json()["results"]
    assert [x["status"] for x in results] == ["ok", "ok", "ok"]


# ----- item 8: integer query parameters ------------------------------------------------------------
async def test_every_integer_query_parameter_is_bounded(api: Api) -> None:
    admin = await api.account()
    async with api.rt.db.begin() as conn:
        await conn.execute(update(USERS).where(USERS.c.username == admin.username).values(role="admin"))
    doc = (await api.client.get("/openapi.json")).json()
    checked = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            for param in op.get("parameters", []):
                schema = param.get("schema", {})
                types = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
                if param["in"] != "query" or "integer" not in types:
                    continue
                bounded = schema if "maximum" in schema else next(s for s in schema["anyOf"] if "maximum" in s)
                assert "minimum" in bounded and "maximum" in bounded, (path, param["name"])
                url = path.replace("{habit_id}", secrets.token_hex(4)).replace("{user_id}", admin.user_id)
                for value in ("99999999999999999999", str(2**63), "-99999999999999999999", "-1"):
                    r = await api.client.request(
                        method.upper(), f"{url}?{param['name']}={value}", headers=admin.headers
                    )
                    assert r.status_code == 422, (method, path, param["name"], value, r.text)
                checked.append((path, param["name"]))
    assert ("/api/v1/admin/users", "skip") in checked and ("/api/v1/sync/events", "after") in checked
