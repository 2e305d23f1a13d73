"""User text follows one rule everywhere: the domain's (valid Unicode, no control or format characters).

Over REST, bad text is a 422 whose body is valid UTF-8 JSON, never a 500 (FastAPI reads bodies with
the standard ``json`` module, so a lone surrogate written ``\\ud800`` does arrive). In a sync push,
it is that event's ``invalid_payload`` and the rest of the batch is stored.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
import pytest

from sync_protocol.domain.ids import uuid7
from tests.server.support import Account, Api, Device

BAD = {"nul": "a\x00b", "lone surrogate": "a\ud800b", "control": "a\x07b", "bidi override": "a\u202eb"}
UNSTORABLE = {"nul", "lone surrogate"}
"""No store can keep these, in any payload; the others are refused only where user text is expected."""

HABIT_TEXT = ["name", "description", "unit", "color", "schedule", "frequency"]


async def send(api: Api, who: Account | None, method: str, url: str, body: dict[str, Any]) -> httpx.Response:
    """``body`` as JSON the way most clients write it (``json.dumps`` escapes a lone surrogate)."""
    headers = {"Content-Type": "application/json", **(who.headers if who else {})}
    return await api.client.request(method, url, content=json.dumps(body).encode(), headers=headers)


def refused(r: httpx.Response, code: str) -> None:
    assert r.status_code == 422, r.text
    body = json.loads(r.content.decode("utf-8"))  # strict UTF-8: no unencodable text came back
    assert body["error"]["code"] == code, body


@pytest.mark.parametrize("what", BAD)
async def test_bad_text_in_rest_fields_is_refused(api: Api, what: str) -> None:
    bad = BAD[what]
    who = await api.account(nickname="Nick")
    habit = await api.create_habit(who, name="Fine", unit="km")
    url = f"/api/v1/habits/{habit['id']}"
    for field in HABIT_TEXT:
        refused(await send(api, who, "POST", "/api/v1/habits", {"name": "Other", field: f"x{bad}"}), "invalid_habit")
        refused(await send(api, who, "PUT", url, {field: f"x{bad}"}), "invalid_habit")
    for tags in (["ok", bad], f"ok, {bad}"):
        refused(await send(api, who, "POST", "/api/v1/habits", {"name": "Other", "tags": tags}), "invalid_habit")
        refused(await send(api, who, "PUT", url, {"tags": tags}), "invalid_habit")
    refused(await send(api, who, "POST", f"{url}/complete", {"note": bad}), "invalid_checkin")
    for field in ("nickname", "email"):
        refused(
            await send(
                api, None, "POST", "/api/v1/users", {"username": "somebody", "password": "a s3cret!", field: bad}
            ),
            "validation_error",
        )
        refused(await send(api, who, "PUT", "/api/v1/users/me", {field: bad}), "validation_error")
    # Nothing was written.
    assert [e["kind"] for e in await api.pull_all(who)] == ["habit.create"]
    assert (await api.client.get(url, headers=who.headers)).json() == habit
    assert (await api.client.get("/api/v1/users/me", headers=who.headers)).json()["nickname"] == "Nick"
    assert (await api.client.get("/api/v1/habits", headers=who.headers)).json()["total"] == 1


@pytest.mark.parametrize("what", BAD)
async def test_a_password_is_any_valid_text(api: Api, what: str) -> None:
    body = {"username": f"u{secrets.token_hex(5)}", "password": f"long enough {BAD[what]}"}
    r = await send(api, None, "POST", "/api/v1/users", body)
    if what == "lone surrogate":
        refused(r, "validation_error")
    else:
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("what", BAD)
async def test_bad_text_in_a_push_is_that_events_error(api: Api, what: str) -> None:
    bad = BAD[what]
    who = await api.account()
    dev = Device()
    hid = uuid7()
    user_text = [
        dev.create(uuid7(), f"Run{bad}"),
        *(dev.event("habit.update", {"habit_id": hid, name: bad}) for name in ("description", "unit", "color")),
        dev.event("habit.update", {"habit_id": hid, "schedule": bad}),
        dev.event("habit.update", {"habit_id": hid, "tags": ["ok", bad]}),
        dev.checkin(hid, "2026-01-01", note=bad),
    ]
    anywhere = [
        dev.event("habit.update", {"habit_id": hid, f"later_field{bad}": 1}),  # a field of a newer client
        dev.event("reminder.set", {"text": bad}),
        dev.event("reminder.set", {bad: [1, {"deep": bad}]}),
    ]
    good = [dev.create(hid, "Good"), dev.checkin(hid, "2026-01-02", note="fine")]
    events = [good[0], *user_text, *anywhere, good[1]]
    r = await send(api, who, "POST", "/api/v1/sync/events", {"events": events})
    assert r.status_code == 200, r.text
    results = json.loads(r.content.decode("utf-8"))["results"]
    statuses = {res["event_id"]: (res["status"], (res["error"] or {}).get("code")) for res in results}
    refused_anywhere = what in UNSTORABLE
    for ev in user_text + (anywhere if refused_anywhere else []):
        assert statuses[ev["event_id"]] == ("error", "invalid_payload"), ev
    stored = good + ([] if refused_anywhere else anywhere)
    for ev in stored:
        assert statuses[ev["event_id"]] == ("ok", None), ev
    pulled = await api.pull_all(who)
    assert sorted(e["event_id"] for e in pulled) == sorted(e["event_id"] for e in stored)
    assert {e["event_id"]: e["payload"] for e in pulled} == {e["event_id"]: e["payload"] for e in stored}
    habit = (await api.client.get(f"/api/v1/habits/{hid}", headers=who.headers)).json()
    assert (habit["name"], habit["description"], habit["unit"], habit["tags"]) == ("Good", "", "", [])
    checkins = (await api.client.get(f"/api/v1/habits/{hid}/checkins", headers=who.headers)).json()
    assert [(c["date"], c["note"]) for c in checkins] == [("2026-01-02", "fine")]
