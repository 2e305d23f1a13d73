"""The original product's documented requests (../shared/seed/habit-tracker-README.md), replayed as
documented, and the parts of its API we add: ``PUT /users/{user_id}``, ``GET /admin/users/{id}``
and the ``frequency`` key of every habit response."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, timedelta
from typing import Any

from habit_server.services.users import set_role_by_username
from sync_protocol.wire.auth import Role
from tests.server.support import Api

SEED_PASSWORD = "SecurePassword123!"


async def _seed_user(api: Api) -> tuple[str, dict[str, str]]:
    """``POST /api/v1/users`` and ``POST /api/v1/security/token`` exactly as the README shows them."""
    username = f"john_doe_{secrets.token_hex(3)}"
    r = await api.client.post(
        "/api/v1/users",
        json={"username": username, "email": f"{username}@example.com", "nickname": "John", "password": SEED_PASSWORD},
    )
    assert r.status_code == 201, r.text
    r = await api.client.post(
        "/api/v1/security/token",
        content=f"username={username}&password={SEED_PASSWORD}".replace("!", "%21"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200, r.text
    token = r.json()
    assert token["token_type"] == "bearer"
    return username, {"Authorization": f"Bearer {token['access_token']}"}


def _has_frequency(habit: dict[str, Any], frequency: str) -> None:
    assert habit["frequency"] == frequency, habit


async def test_documented_requests_replay(api: Api) -> None:
    username, auth = await _seed_user(api)

    r = await api.client.get("/api/v1/habits", headers=auth)
    assert r.status_code == 200, r.text

    body = {
        "name": "Morning Meditation",
        "description": "Daily 10-minute meditation session",
        "frequency": "daily",
        "tags": "wellness,mindfulness",
    }
    r = await api.client.post("/api/v1/habits", json=body, headers=auth)
    assert r.status_code == 201, r.text
    habit = r.json()
    _has_frequency(habit, "daily")
    assert habit["tags"] == ["wellness", "mindfulness"]
    hid = habit["id"]

    r = await api.client.get("/api/v1/habits", headers=auth)
    [listed] = r.json()["items"]
    _has_frequency(listed, "daily")

    r = await api.client.post(f"/api/v1/habits/{hid}/complete", headers=auth)  # no body, as documented
    assert r.status_code == 200, r.text
    assert r.json()["done_today"] is True
    _has_frequency(r.json(), "daily")

    r = await api.client.put(
        f"/api/v1/habits/{hid}", json={"description": "Updated description", "frequency": "weekly"}, headers=auth
    )
    assert r.status_code == 200, r.text
    updated = r.json()
    assert updated["description"] == "Updated description"
    assert updated["schedule"] == "1/week"
    _has_frequency(updated, "weekly")  # the client reads back what it wrote
    r = await api.client.get(f"/api/v1/habits/{hid}", headers=auth)
    _has_frequency(r.json(), "weekly")

    r = await api.client.get("/api/v1/habits/at-risk?days=3", headers=auth)
    assert r.status_code == 200, r.text
    assert all("frequency" in h for h in r.json())

    me = (await api.client.get("/api/v1/users/me", headers=auth)).json()
    assert me["username"] == username
    r = await api.client.get(f"/api/v1/habits/at-risk/ai-coach?user_id={me['id']}", headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "rules"

    r = await api.client.put(
        f"/api/v1/users/{me['id']}", json={"nickname": "New Nickname", "role": "user"}, headers=auth
    )
    assert r.status_code == 200, r.text
    assert r.json()["nickname"] == "New Nickname"

    r = await api.client.delete(f"/api/v1/habits/{hid}", headers=auth)
    assert r.status_code == 204
    assert (await api.client.get(f"/api/v1/habits/{hid}", headers=auth)).status_code == 404

    # Deliberately not as documented: deleting the account needs its password in the body, so a
    # stolen access token cannot erase it. Without one: a clear 422, and the account stays.
    r = await api.client.delete("/api/v1/users/me", headers=auth)
    assert r.status_code == 422
    assert (await api.client.get("/api/v1/users/me", headers=auth)).status_code == 200
    r = await api.client.request("DELETE", "/api/v1/users/me", json={"password": SEED_PASSWORD}, headers=auth)
    assert r.status_code == 204


async def test_profile_update_by_id_is_for_ones_own_id_and_never_changes_the_role(api: Api) -> None:
    me = await api.account(email="me@example.org", nickname="Me")
    other = await api.account(email="other@example.org", nickname="Other")

    r = await api.client.put(
        f"/api/v1/users/{me.user_id}",
        json={"nickname": "Still me", "email": "new@example.org", "role": "admin"},
        headers=me.headers,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["nickname"], r.json()["email"], r.json()["role"]) == ("Still me", "new@example.org", "user")
    mine = (await api.client.get("/api/v1/users/me", headers=me.headers)).json()
    assert (mine["nickname"], mine["email"], mine["role"]) == ("Still me", "new@example.org", "user")
    assert (await api.client.get("/api/v1/admin/users", headers=me.headers)).status_code == 403

    # Another user's id: not found, and nothing of theirs changes.
    for target in (other.user_id, str(uuid.uuid4()), "not-a-uuid"):
        r = await api.client.put(f"/api/v1/users/{target}", json={"nickname": "Hacked"}, headers=me.headers)
        assert r.status_code == 404, (target, r.text)
        assert r.json()["error"]["code"] == "not_found"
    theirs = (await api.client.get("/api/v1/users/me", headers=other.headers)).json()
    assert (theirs["nickname"], theirs["email"], theirs["role"]) == ("Other", "other@example.org", "user")

    # Nickname and email only: no password here, and no unknown keys.
    for extra in ({"password": "another long password"}, {"username": "renamed"}, {"role": "owner"}):
        r = await api.client.put(f"/api/v1/users/{me.user_id}", json=extra, headers=me.headers)
        assert r.status_code == 422, (extra, r.text)
    assert (await api.login(me.username)).status_code == 200  # the password still works
    # Even an admin changes only their own profile here.
    boss = await api.account()
    assert await set_role_by_username(api.rt, boss.username, Role.ADMIN)
    r = await api.client.put(f"/api/v1/users/{other.user_id}", json={"nickname": "By admin"}, headers=boss.headers)
    assert r.status_code == 404
    # /users/me keeps its own route.
    r = await api.client.put("/api/v1/users/me", json={"nickname": "Via me"}, headers=me.headers)
    assert r.json()["nickname"] == "Via me"


async def test_admin_reads_one_user(api: Api) -> None:
    boss = await api.account()
    assert await set_role_by_username(api.rt, boss.username, Role.ADMIN)
    user = await api.account(email="someone@example.org", nickname="Someone")

    r = await api.client.get(f"/api/v1/admin/users/{user.user_id}", headers=boss.headers)
    assert r.status_code == 200, r.text
    found = r.json()
    assert (found["id"], found["username"], found["email"], found["nickname"], found["role"]) == (
        user.user_id,
        user.username,
        "someone@example.org",
        "Someone",
        "user",
    )
    assert "password" not in r.text and "password_hash" not in found
    assert (await api.client.get(f"/api/v1/admin/users/{boss.user_id}", headers=boss.headers)).status_code == 200

    for unknown in (str(uuid.uuid4()), "not-a-uuid"):
        r = await api.client.get(f"/api/v1/admin/users/{unknown}", headers=boss.headers)
        assert r.status_code == 404, unknown
        assert r.json()["error"]["code"] == "not_found"

    r = await api.client.get(f"/api/v1/admin/users/{boss.user_id}", headers=user.headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    r = await api.client.get(f"/api/v1/admin/users/{uuid.uuid4()}", headers=user.headers)
    assert r.status_code == 403  # a non-admin learns nothing about which ids exist
    assert (await api.client.get(f"/api/v1/admin/users/{user.user_id}")).status_code == 401


async def test_every_habit_response_carries_frequency(api: Api) -> None:
    who = await api.account()
    h = who.headers
    created = await api.create_habit(who, schedule="mon,wed,fri")
    _has_frequency(created, "mon,wed,fri")  # a schedule the original product had no word for: ours
    monthly = await api.create_habit(who, frequency="monthly")
    _has_frequency(monthly, "monthly")
    assert monthly["schedule"] == "1/month"
    start = (date.today() - timedelta(days=30)).isoformat()
    stale = await api.create_habit(who, frequency="weekly", start_date=start)  # never done: at risk
    hid = created["id"]
    responses = [
        (await api.client.put(f"/api/v1/habits/{hid}", json={"schedule": "3/week"}, headers=h)).json(),
        (await api.client.get(f"/api/v1/habits/{hid}", headers=h)).json(),
        (await api.client.post(f"/api/v1/habits/{hid}/complete", headers=h)).json(),
        (await api.client.delete(f"/api/v1/habits/{hid}/complete", headers=h)).json(),
        *(await api.client.get("/api/v1/habits", headers=h)).json()["items"],
        *(await api.client.get("/api/v1/habits/at-risk?days=1", headers=h)).json(),
    ]
    expected = {monthly["id"]: "monthly", stale["id"]: "weekly", hid: "3/week"}
    for habit in responses:
        _has_frequency(habit, expected[habit["id"]])
    # The four single answers, the three listed, and the one at risk (never done).
    assert [h["id"] for h in responses[7:]] == [stale["id"]]
