"""Reports over the API without AWS settings: rendered in this process, kept in the database."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta

import pypdf

from habit_server.services.reports import wait_in_process
from habit_server.services.user_data import habits_and_checkins
from sync_protocol.domain.ids import uuid7
from tests.server.support import Account, Api, Device


async def _report(api: Api, who: Account, **body: str) -> dict[str, object]:
    r = await api.client.post("/api/v1/reports", json=body, headers=who.headers)
    assert r.status_code == 202, r.text
    out: dict[str, object] = r.json()
    assert str(out["created_at"]).endswith(("Z", "+00:00")), out  # UTC, said so, on every backend
    return out


async def test_in_process_report_is_the_pdf_of_the_users_habits(api: Api) -> None:
    me = await api.account()
    habit = await api.create_habit(me, name="Read a chapter")
    today = date.today()
    done = await api.client.post(f"/api/v1/habits/{habit['id']}/complete", json={}, headers=me.headers)
    assert done.status_code in (200, 201), done.text

    made = await _report(api, me, period="month")
    assert made["status"] == "queued"
    assert made["period"] == "month"
    assert made["start"] == today.replace(day=1).isoformat()
    await wait_in_process()

    r = await api.client.get(f"/api/v1/reports/{made['id']}", headers=me.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    pdf = pypdf.PdfReader(io.BytesIO(r.content))
    assert "Read a chapter" in "".join(page.extract_text() for page in pdf.pages)

    state = await api.client.get(f"/api/v1/reports/{made['id']}?link=1", headers=me.headers)
    assert state.status_code == 200
    assert state.json()["status"] == "ready"
    assert state.json()["size"] == len(r.content)
    assert state.json()["url"] is None  # no S3 here: the PDF is served by the API itself

    listed = await api.client.get("/api/v1/reports", headers=me.headers)
    assert [x["id"] for x in listed.json()["items"]] == [made["id"]]


async def test_a_user_sees_only_their_own_reports(api: Api) -> None:
    me = await api.account()
    other = await api.account()
    made = await _report(api, me)
    await wait_in_process()
    for path in (f"/api/v1/reports/{made['id']}", f"/api/v1/reports/{made['id']}?link=1"):
        r = await api.client.get(path, headers=other.headers)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
    assert (await api.client.get("/api/v1/reports", headers=other.headers)).json()["items"] == []
    assert (await api.client.get(f"/api/v1/reports/{made['id']}", headers=me.headers)).status_code == 200
    assert (await api.client.get("/api/v1/reports/not-an-id", headers=me.headers)).status_code == 404
    assert (await api.client.get(f"/api/v1/reports/{made['id']}")).status_code == 401


async def test_a_past_week_and_bad_requests(api: Api) -> None:
    me = await api.account()
    last_week = date.today() - timedelta(days=7)
    made = await _report(api, me, period="week", date=last_week.isoformat())
    assert made["start"] == (last_week - timedelta(days=last_week.weekday())).isoformat()
    for body in ({"period": "year"}, {"date": (date.today() + timedelta(days=5)).isoformat()}, {"date": "1900-01-01"}):
        r = await api.client.post("/api/v1/reports", json=body, headers=me.headers)
        assert r.status_code == 422, body
        assert "error" in r.json()
    await wait_in_process()


async def test_the_same_idempotency_key_gives_the_same_report(api: Api) -> None:
    me = await api.account()
    other = await api.account()
    headers = {**me.headers, "Idempotency-Key": "weekly-2026-11-23"}
    first = await api.client.post("/api/v1/reports", json={}, headers=headers)
    again = await api.client.post("/api/v1/reports", json={}, headers=headers)
    theirs = await api.client.post(
        "/api/v1/reports", json={}, headers={**other.headers, "Idempotency-Key": "weekly-2026-11-23"}
    )
    assert first.status_code == again.status_code == theirs.status_code == 202
    assert first.json()["id"] == again.json()["id"] != theirs.json()["id"]
    await wait_in_process()
    assert len((await api.client.get("/api/v1/reports", headers=me.headers)).json()["items"]) == 1


async def test_a_users_rows_for_reports_carry_notes_and_leave_out_cleared_check_ins(api: Api) -> None:
    """What reports, reminders and coaching read (``habits_and_checkins``), on both backends: the notes
    (read apart from the check-ins) join their own check-ins; a cleared check-in is gone."""
    me = await api.account()
    read = Device()
    habit, empty = uuid7(), uuid7()
    days = [(date.today() - timedelta(days=n)).isoformat() for n in range(4)]
    events = [read.create(habit, "Read"), read.create(empty, "Nothing yet")]
    events += [read.checkin(habit, days[0], note="chapter 3"), read.checkin(habit, days[1])]
    events += [read.checkin(habit, days[2], note="  two  "), read.checkin(habit, days[3], note="gone")]
    events.append(read.event("checkin.clear", {"habit_id": habit, "date": days[3]}))
    assert (await api.push(me, events)).status_code == 200

    async with api.rt.db.connect() as conn:
        habits, checkins = await habits_and_checkins(conn, uuid.UUID(me.user_id), date.today())
    assert sorted(h.name for h in habits) == ["Nothing yet", "Read"]
    assert checkins[empty] == []
    got = sorted((c.date.isoformat(), c.value, c.note) for c in checkins[habit])
    assert got == [(days[2], 1.0, "two"), (days[1], 1.0, ""), (days[0], 1.0, "chapter 3")]
