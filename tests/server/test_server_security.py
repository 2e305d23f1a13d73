"""A security matrix over every endpoint: tokens, other users' ids, bad bodies. Never a 500."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
import pytest

from sync_protocol.domain.ids import uuid7
from tests.server.conftest import SECRET
from tests.server.support import Account, Api, Device

PUBLIC = {
    ("POST", "/api/v1/users"),
    ("POST", "/api/v1/security/token"),
    ("POST", "/api/v1/security/refresh"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/api/v1/unsubscribe"),  # the email's signed link is its credential (test_server_reminders.py)
}


def routes(api: Api) -> list[tuple[str, str]]:
    """Every (method, path) the app serves under /api/v1, read from its OpenAPI document."""
    paths: dict[str, dict[str, Any]] = api.app.openapi()["paths"]
    return [(m.upper(), p) for p, ops in paths.items() if p.startswith("/api/v1") for m in ops]


def fill(path: str, habit_id: str, user_id: str) -> str:
    return path.replace("{habit_id}", habit_id).replace("{user_id}", user_id).replace("{device_id}", str(uuid.uuid4()))


def forged(who: Account, **changes: Any) -> str:
    now = int(time.time())
    claims = {"sub": who.user_id, "did": who.device_id, "iat": now, "exp": now + 600, "jti": "x", "iss": "habit-server"}
    claims |= {"typ": "access", **changes}
    return jwt.encode(claims, changes.pop("key", SECRET), algorithm="HS256")


async def test_every_protected_endpoint_rejects_bad_tokens(api: Api) -> None:
    who = await api.account()
    revoked = (await api.login(who.username, device="old")).json()
    await api.client.delete(f"/api/v1/devices/{revoked['device_id']}", headers=who.headers)
    now = int(time.time())
    expired = jwt.encode(
        {
            "sub": who.user_id,
            "did": who.device_id,
            "iat": now - 7200,
            "exp": now - 3600,
            "jti": "e",
            "iss": "habit-server",
            "typ": "access",
        },
        SECRET,
        algorithm="HS256",
    )
    wrong_key = jwt.encode(
        {
            "sub": who.user_id,
            "did": who.device_id,
            "iat": now,
            "exp": now + 600,
            "jti": "f",
            "iss": "habit-server",
            "typ": "access",
        },
        "another-secret-key-entirely-different-one",
        algorithm="HS256",
    )
    none_alg = jwt.encode(
        {"sub": who.user_id, "did": who.device_id, "iat": now, "exp": now + 600, "jti": "n", "iss": "habit-server"},
        None,  # type: ignore[arg-type]
        algorithm="none",
    )
    other_user = forged(who, sub=str(uuid.uuid4()))
    cases = {
        "missing": (None, "not_authenticated"),
        "garbage": ("not-a-jwt", "invalid_token"),
        "wrong key": (wrong_key, "invalid_token"),
        "alg none": (none_alg, "invalid_token"),
        "expired": (expired, "token_expired"),
        "revoked": (revoked["access_token"], "token_revoked"),
        "unknown user": (other_user, "invalid_token"),
        "refresh as access": (who.refresh, "invalid_token"),
    }
    # A push is well formed here: its device and account are checked together with the user's lock
    # (a malformed body from a revoked device gets 422, which tells it nothing), and nothing is stored.
    device = Device()
    push = {"events": [device.create(uuid7(), "Sneaky")]}
    checked = 0
    for method, path in routes(api):
        if (method, path) in PUBLIC:
            continue
        url = fill(path, uuid7(), who.user_id)
        body = push if (method, path) == ("POST", "/api/v1/sync/events") else {}
        for name, (token, code) in cases.items():
            headers = {} if token is None else {"Authorization": f"Bearer {token}"}
            r = await api.client.request(method, url, headers=headers, json=body)
            assert r.status_code == 401, (method, path, name, r.status_code, r.text)
            assert r.json()["error"]["code"] == code, (method, path, name)
            assert r.headers["WWW-Authenticate"] == "Bearer"
            checked += 1
    assert checked >= 20 * len(cases)
    assert await api.pull_all(who) == []


async def test_other_users_habits_are_not_found(api: Api) -> None:
    ann, bob = await api.account(), await api.account()
    hid = (await api.create_habit(ann, name="Ann's"))["id"]
    for method, path in routes(api):
        if "{habit_id}" not in path:
            continue
        body: dict[str, Any] = {"name": "Bob was here"} if method == "PUT" else {}
        r = await api.client.request(method, fill(path, hid, bob.user_id), headers=bob.headers, json=body)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"]["code"] == "not_found"
    for bad in ("not-a-uuid", "' OR 1=1 --", "%27%3B%20DROP%20TABLE%20habits%3B--"):
        r = await api.client.get(f"/api/v1/habits/{bad}", headers=bob.headers)
        assert r.status_code == 404
    # Ann's habit is untouched.
    mine = (await api.client.get(f"/api/v1/habits/{hid}", headers=ann.headers)).json()
    assert mine["name"] == "Ann's"
    assert [e["kind"] for e in await api.pull_all(ann)] == ["habit.create"]
    assert await api.pull_all(bob) == []


def body_routes(api: Api) -> list[tuple[str, str]]:
    return [(m, p) for m, p in routes(api) if m in ("POST", "PUT") and p != "/api/v1/security/token"]


async def test_malformed_json_is_400_everywhere(api: Api) -> None:
    who = await api.account()
    hid = (await api.create_habit(who))["id"]
    for method, path in body_routes(api):
        if path.endswith(("/disable", "/enable", "/logout")):
            continue  # no body
        r = await api.client.request(
            method,
            fill(path, hid, who.user_id),
            content=b'{"events": [',
            headers={**who.headers, "Content-Type": "application/json"},
        )
        assert r.status_code in (400, 403), (method, path, r.text)
        if r.status_code == 400:
            assert r.json()["error"]["code"] == "malformed_json", (method, path)


async def test_oversized_bodies_are_413_and_nothing_is_stored(api: Api) -> None:
    who = await api.account()
    dev = Device()
    hid = uuid7()
    big_note = "x" * 900
    events = [dev.create(hid, "Big")] + [dev.checkin(hid, "2026-01-01", note=big_note) for _ in range(1300)]
    raw = json.dumps({"events": events}).encode()
    assert len(raw) > 1024 * 1024
    r = await api.client.post(
        "/api/v1/sync/events", content=raw, headers={**who.headers, "Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "body_too_large"

    async def chunks() -> Any:
        for i in range(0, len(raw), 65536):
            yield raw[i : i + 65536]

    r = await api.client.post(
        "/api/v1/sync/events", content=chunks(), headers={**who.headers, "Content-Type": "application/json"}
    )
    assert r.status_code == 413  # no Content-Length: counted while reading
    status = (await api.client.get("/api/v1/sync/status", headers=who.headers)).json()
    assert status["head_seq"] == 0


async def test_ten_thousand_events_in_one_push_are_refused_whole(api: Api) -> None:
    who = await api.account()
    dev = Device()
    hid = uuid7()
    events = [dev.create(hid, "Many")] + [dev.checkin(hid, "2026-01-01") for _ in range(9999)]
    r = await api.push(who, events)
    assert r.status_code == 413
    assert r.json()["error"]["code"] in ("body_too_large", "too_many_events")
    r = await api.push(who, events[:501])
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_many_events"
    assert (await api.client.get("/api/v1/sync/status", headers=who.headers)).json()["head_seq"] == 0
    r = await api.push(who, events[:500])
    assert r.status_code == 200
    assert r.json()["head_seq"] == 500


@pytest.mark.parametrize(
    "event_change",
    [
        {"event_id": "not-a-uuid"},
        {"device_seq": 0},
        {"device_seq": "1"},
        {"hlc": -1},
        {"hlc": 2**64},
        {"kind": "Robert'); DROP TABLE events;--"},
        {"kind": ""},
        {"payload": [1, 2]},
        {"device_id": ""},
    ],
)
async def test_malformed_events_reject_the_whole_push(api: Api, event_change: dict[str, Any]) -> None:
    who = await api.account()
    dev = Device()
    hid = uuid7()
    good = dev.create(hid, "Fine")
    bad = {**dev.checkin(hid, "2026-01-01"), **event_change}
    r = await api.push(who, [good, bad])
    assert r.status_code == 422, r.text
    body = r.json()["error"]
    assert body["code"] == "validation_error"
    assert body["details"][0]["loc"][:3] == ["body", "events", "1"]
    assert (await api.client.get("/api/v1/sync/status", headers=who.headers)).json()["head_seq"] == 0


async def test_sql_looking_strings_are_just_data(api: Api) -> None:
    who = await api.account()
    name = "x'); DROP TABLE habits; --"
    habit = await api.create_habit(who, name=name, description="1 OR 1=1")
    got = (await api.client.get(f"/api/v1/habits/{habit['id']}", headers=who.headers)).json()
    assert got["name"] == name
    r = await api.login("admin' --", "' OR '1'='1")
    assert r.status_code == 401


async def test_incompatible_protocol_versions_get_426(api: Api) -> None:
    who = await api.account()
    for version in ("2", "0", "banana"):
        r = await api.client.get("/api/v1/sync/status", headers={**who.headers, "X-Habit-Protocol": version})
        assert r.status_code == 426
        assert r.json()["error"]["code"] == "unsupported_protocol"
        assert r.headers["X-Habit-Protocol"] == "1"
    r = await api.client.get("/api/v1/sync/status", headers={**who.headers, "X-Habit-Protocol": "1"})
    assert r.status_code == 200


async def test_unknown_paths_and_methods_have_error_bodies(api: Api) -> None:
    r = await api.client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    r = await api.client.patch("/api/v1/habits")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"
    r = await api.client.post("/api/v1/security/token", data={"username": "x"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


async def test_json_that_python_reads_but_json_forbids_is_refused(api: Api) -> None:
    who = await api.account()
    dev = Device()
    hid = uuid7()
    ev = dev.event("note.add", {"habit_id": hid, "x": 1})
    raw = json.dumps({"events": [ev]}).replace('"x": 1', '"x": NaN').encode()
    r = await api.client.post(
        "/api/v1/sync/events", content=raw, headers={**who.headers, "Content-Type": "application/json"}
    )
    assert r.status_code == 200
    assert r.json()["results"][0]["error"]["code"] == "invalid_payload"
    deep = b'{"events": [' + b"[" * 200_000 + b"]" * 200_000 + b"]}"
    r = await api.client.post(
        "/api/v1/sync/events", content=deep, headers={**who.headers, "Content-Type": "application/json"}
    )
    assert r.status_code in (400, 422)
    assert r.json()["error"]["code"] in ("malformed_json", "validation_error")
    assert await api.pull_all(who) == []
