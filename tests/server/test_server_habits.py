"""The original product's REST API for habits, with every write becoming a sync event."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from sync_protocol.domain.fields import HABIT_NAME, habit_from_fields
from sync_protocol.domain.ids import uuid7
from sync_protocol.domain.stats import analyze_rows
from sync_protocol.domain.view import habit_view
from tests.server.conftest import SettingsFactory, open_api
from tests.server.support import Api, Device


async def test_create_list_get_update_delete(api: Api) -> None:
    who = await api.account()
    created = await api.create_habit(
        who, name="Morning Meditation", description="10 minutes", frequency="daily", tags="wellness, mind"
    )
    assert created["schedule"] == "daily"
    assert created["tags"] == ["wellness", "mind"]
    assert created["kind"] == "yes_no"
    hid = created["id"]
    page = (await api.client.get("/api/v1/habits", headers=who.headers)).json()
    assert [h["id"] for h in page["items"]] == [hid]
    assert page["total"] == 1
    r = await api.client.put(
        f"/api/v1/habits/{hid}", json={"frequency": "weekly", "color": "green"}, headers=who.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["schedule"] == "1/week"
    assert r.json()["color"] == "green"
    assert (await api.client.delete(f"/api/v1/habits/{hid}", headers=who.headers)).status_code == 204
    assert (await api.client.get(f"/api/v1/habits/{hid}", headers=who.headers)).status_code == 404
    assert (await api.client.get("/api/v1/habits", headers=who.headers)).json()["total"] == 0


async def test_pagination_and_archived(api: Api) -> None:
    who = await api.account()
    for i in range(7):
        await api.create_habit(who, name=f"Habit {i}", position=i)
    first = (await api.client.get("/api/v1/habits?limit=3", headers=who.headers)).json()
    second = (await api.client.get("/api/v1/habits?limit=3&skip=3", headers=who.headers)).json()
    assert [h["name"] for h in first["items"]] == ["Habit 0", "Habit 1", "Habit 2"]
    assert [h["name"] for h in second["items"]] == ["Habit 3", "Habit 4", "Habit 5"]
    assert first["total"] == 7
    hid = first["items"][0]["id"]
    await api.client.put(f"/api/v1/habits/{hid}", json={"archived": True}, headers=who.headers)
    assert (await api.client.get("/api/v1/habits", headers=who.headers)).json()["total"] == 6
    assert (await api.client.get("/api/v1/habits?include_archived=true", headers=who.headers)).json()["total"] == 7


async def test_names_are_unique_ignoring_case(api: Api) -> None:
    who = await api.account()
    await api.create_habit(who, name="Read")
    r = await api.client.post("/api/v1/habits", json={"name": "  read "}, headers=who.headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "habit_name_taken"
    other = await api.account()
    await api.create_habit(other, name="Read")  # another user's names do not count


@pytest.mark.parametrize(("first", "second"), [("Straße", "STRASSE"), ("Read", "ＲＥＡＤ"), ("Ｇym", "gym")])
async def test_names_that_look_the_same_are_one_name(api: Api, first: str, second: str) -> None:
    """The domain's name key (compatibility-normalised, case-folded) decides, as on the client."""
    who = await api.account()
    await api.create_habit(who, name=first)
    r = await api.client.post("/api/v1/habits", json={"name": second}, headers=who.headers)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "habit_name_taken"
    other = await api.create_habit(who, name="Other")
    r = await api.client.put(f"/api/v1/habits/{other['id']}", json={"name": second}, headers=who.headers)
    assert r.status_code == 409, r.text


async def test_complete_with_date_and_value_and_streaks(api: Api) -> None:
    who = await api.account()
    today = datetime.now(UTC).date()  # ?today= is within a day of the server's UTC date
    start = (today - timedelta(days=5)).isoformat()
    habit = await api.create_habit(who, name="Walk", start_date=start)
    hid = habit["id"]
    for back in (2, 1):
        day = (today - timedelta(days=back)).isoformat()
        r = await api.client.post(
            f"/api/v1/habits/{hid}/complete?today={today}", json={"date": day}, headers=who.headers
        )
        assert r.status_code == 200, r.text
    r = await api.client.post(f"/api/v1/habits/{hid}/complete?today={today}", headers=who.headers)
    out = r.json()
    assert out["done_today"] is True
    assert out["current_streak"] == 3
    assert out["last_done"] == today.isoformat()
    checkins = (await api.client.get(f"/api/v1/habits/{hid}/checkins", headers=who.headers)).json()
    assert [c["date"] for c in checkins] == [(today - timedelta(days=b)).isoformat() for b in (2, 1, 0)]
    r = await api.client.delete(f"/api/v1/habits/{hid}/complete?date={today}&today={today}", headers=who.headers)
    assert r.json()["done_today"] is False
    r = await api.client.post(f"/api/v1/habits/{hid}/complete", json={"value": 3}, headers=who.headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_checkin"


async def test_measurable_habits_take_values(api: Api) -> None:
    who = await api.account()
    habit = await api.create_habit(who, name="Water", target=8, unit="glasses")
    assert habit["kind"] == "measurable"
    hid = habit["id"]
    r = await api.client.post(f"/api/v1/habits/{hid}/complete", json={}, headers=who.headers)
    assert r.status_code == 422
    r = await api.client.post(f"/api/v1/habits/{hid}/complete", json={"value": 8, "note": "ok"}, headers=who.headers)
    assert r.json()["done_today"] is True
    quit_ = await api.create_habit(who, name="Cigarettes", target=0, target_type="at_most")
    assert quit_["target_type"] == "at_most"


async def test_dates_out_of_range_are_refused(api: Api) -> None:
    who = await api.account()
    hid = (await api.create_habit(who))["id"]
    for day in ("1969-12-31", (date.today() + timedelta(days=5)).isoformat()):
        r = await api.client.post(f"/api/v1/habits/{hid}/complete", json={"date": day}, headers=who.headers)
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "invalid_checkin"
    r = await api.client.post(f"/api/v1/habits/{hid}/complete", json={"date": "2026-02-30"}, headers=who.headers)
    assert r.status_code == 422
    r = await api.client.post("/api/v1/habits", json={"name": "x", "schedule": "sometimes"}, headers=who.headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_habit"


async def test_at_risk_with_days(api: Api) -> None:
    who = await api.account()
    today = datetime.now(UTC).date()  # ?today= is within a day of the server's UTC date
    start, old, recent = ((today - timedelta(days=n)).isoformat() for n in (19, 10, 1))
    stale = await api.create_habit(who, name="Stale", start_date=start)
    fresh = await api.create_habit(who, name="Fresh", start_date=start)
    await api.client.post(f"/api/v1/habits/{stale['id']}/complete", json={"date": old}, headers=who.headers)
    await api.client.post(f"/api/v1/habits/{fresh['id']}/complete", json={"date": recent}, headers=who.headers)
    r = await api.client.get(f"/api/v1/habits/at-risk?days=3&today={today}", headers=who.headers)
    assert r.status_code == 200
    names = [h["name"] for h in r.json()]
    assert "Stale" in names
    assert names.count("Fresh") == (1 if r.json() and any(h["current_streak"] for h in r.json()) else 0)


async def test_rest_writes_are_events_and_pushed_events_show_in_rest(api: Api) -> None:
    who = await api.account()
    habit = await api.create_habit(who, name="Stretch")
    await api.client.post(f"/api/v1/habits/{habit['id']}/complete", headers=who.headers)
    kinds = [e["kind"] for e in await api.pull_all(who)]
    assert kinds == ["habit.create", "checkin.set"]
    dev = Device()
    hid = uuid7()
    await api.push(who, [dev.create(hid, "From the terminal"), dev.checkin(hid, date.today().isoformat())])
    got = (await api.client.get(f"/api/v1/habits/{hid}", headers=who.headers)).json()
    assert got["name"] == "From the terminal"
    assert got["done_today"] is True


async def test_cached_lists_are_invalidated_by_every_write(api: Api) -> None:
    who = await api.account()
    await api.create_habit(who, name="One")
    r1 = await api.client.get("/api/v1/habits", headers=who.headers)
    r2 = await api.client.get("/api/v1/habits", headers=who.headers)
    assert (r1.headers["X-Cache"], r2.headers["X-Cache"]) == ("miss", "hit")
    assert r1.json() == r2.json()
    dev = Device()
    await api.push(who, [dev.create(uuid7(), "Two")])  # a sync push invalidates too
    r3 = await api.client.get("/api/v1/habits", headers=who.headers)
    assert r3.headers["X-Cache"] == "miss"
    assert {h["name"] for h in r3.json()["items"]} == {"One", "Two"}


async def test_habit_answers_are_the_habit_view_with_the_domains_limits(api: Api) -> None:
    who = await api.account()
    created = await api.create_habit(who, name="Weekly", frequency="weekly")
    habit = habit_from_fields(created["id"], created, date.today())
    assert set(created) == set(habit_view(habit, analyze_rows(habit, [], date.today())))
    assert (created["schedule"], created["frequency"], created["streak_unit"]) == ("1/week", "weekly", "weeks")
    listed = (await api.client.get("/api/v1/habits", headers=who.headers)).json()["items"]
    assert listed == [created]
    r = await api.client.post("/api/v1/habits", json={"name": "x" * (HABIT_NAME.max_length + 1)}, headers=who.headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_habit"
    await api.create_habit(who, name="x" * HABIT_NAME.max_length)


# ----- check-ins written the push's way (one read, one conditional write) ------------------------------
async def test_concurrent_check_ins_are_each_stored_once_with_gapless_device_numbers(api: Api) -> None:
    """Twenty check-ins of one habit at once: the conditional writes collide, and the ones that lose
    are done again under the user's lock; none is lost or doubled, and the REST device's numbers
    stay gapless (the answer of each carries its own check-in)."""
    who = await api.account()
    habit = await api.create_habit(who, name="Often")
    days = [(date.today() - timedelta(days=n)).isoformat() for n in range(20)]

    async def one(day: str) -> dict[str, Any]:
        r = await api.client.post(f"/api/v1/habits/{habit['id']}/complete", json={"date": day}, headers=who.headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    answers = await asyncio.gather(*(one(d) for d in days))
    assert all(a["total_done"] >= 1 for a in answers)
    events = await api.pull_all(who)
    checkins = [e for e in events if e["kind"] == "checkin.set"]
    assert sorted(e["payload"]["date"] for e in checkins) == sorted(days)
    assert sorted(e["device_seq"] for e in events) == list(range(1, 22))  # the create, then 20 check-ins
    assert [e["server_seq"] for e in events] == list(range(1, 22))
    final = (await api.client.get(f"/api/v1/habits/{habit['id']}", headers=who.headers)).json()
    assert final["total_done"] == 20 and final["current_streak"] == 20


async def test_a_check_in_answer_is_the_stored_state_after_it(api: Api) -> None:
    """The answer of a write is computed from the rows read with it plus what it wrote: it must equal
    a fresh read of the habit, for a set, a skip, a change of value and a clear."""
    who = await api.account()
    habit = await api.create_habit(who, name="Pages", target=10, unit="pages")
    path = f"/api/v1/habits/{habit['id']}/complete"
    today = date.today()
    writes: list[tuple[str, dict[str, Any]]] = [
        ("post", {"date": (today - timedelta(days=2)).isoformat(), "value": 12}),
        ("post", {"date": (today - timedelta(days=1)).isoformat(), "skip": True}),
        ("post", {"date": (today - timedelta(days=2)).isoformat(), "value": 3}),
        ("post", {"value": 10}),
        ("delete", {"date": (today - timedelta(days=1)).isoformat()}),
    ]
    for method, body in writes:
        if method == "post":
            r = await api.client.post(path, json=body, headers=who.headers)
        else:
            r = await api.client.delete(path, params=body, headers=who.headers)
        assert r.status_code == 200, r.text
        fresh = await api.client.get(f"/api/v1/habits/{habit['id']}", headers=who.headers)
        assert r.json() == fresh.json(), (method, body)


async def test_rest_writes_count_against_the_quota(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(max_events_per_user=3), "any"):
        who = await api.account()
        habit = await api.create_habit(who, name="One")
        path = f"/api/v1/habits/{habit['id']}/complete"
        assert (await api.client.post(path, headers=who.headers)).status_code == 200
        r = await api.client.post("/api/v1/habits", json={"name": "Two"}, headers=who.headers)
        assert r.status_code == 200 or r.status_code == 201, r.text  # the third event: at the quota
        r = await api.client.post(
            path, json={"date": (date.today() - timedelta(days=1)).isoformat()}, headers=who.headers
        )
        assert r.status_code == 507 and r.json()["error"]["code"] == "quota_exceeded", r.text
        r = await api.client.post("/api/v1/habits", json={"name": "Three"}, headers=who.headers)
        assert r.status_code == 507, r.text
        assert len(await api.pull_all(who)) == 3  # nothing refused was stored


async def test_a_check_in_by_a_logged_out_device_or_for_an_unknown_habit_changes_nothing(api: Api) -> None:
    who = await api.account()
    habit = await api.create_habit(who, name="Walk")
    r = await api.client.post(f"/api/v1/habits/{uuid7()}/complete", headers=who.headers)
    assert r.status_code == 404, r.text
    assert (await api.client.post("/api/v1/security/logout", headers=who.headers)).status_code in (200, 204)
    r = await api.client.post(f"/api/v1/habits/{habit['id']}/complete", headers=who.headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "token_revoked", r.text
    other = await api.login(who.username)
    headers = {"Authorization": f"Bearer {other.json()['access_token']}"}
    r = await api.client.get("/api/v1/sync/events?after=0", headers=headers)
    assert [e["kind"] for e in r.json()["events"]] == ["habit.create"]
