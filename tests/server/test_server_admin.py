"""Admin user management: only admins, never on themselves."""

from __future__ import annotations

from habit_server.services.users import set_role_by_username
from sync_protocol.domain.ids import uuid7
from sync_protocol.wire.auth import Role
from tests.server.support import Api, Device


async def test_admin_manages_users(api: Api) -> None:
    boss = await api.account()
    assert await set_role_by_username(api.rt, boss.username, Role.ADMIN)
    user = await api.account()
    listed = (await api.client.get("/api/v1/admin/users?limit=500", headers=boss.headers)).json()
    assert user.user_id in {u["id"] for u in listed["items"]}
    assert listed["total"] >= 2

    r = await api.client.post(f"/api/v1/admin/users/{user.user_id}/disable", headers=boss.headers)
    assert r.status_code == 200
    assert r.json()["disabled"] is True
    r = await api.client.get("/api/v1/users/me", headers=user.headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "account_disabled"
    assert (await api.login(user.username)).status_code == 403
    # The sync push checks the account in the statement that takes its lock: refused, nothing stored.
    r = await api.push(user, [Device().create(uuid7(), "While disabled")])
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "account_disabled"
    await api.client.post(f"/api/v1/admin/users/{user.user_id}/enable", headers=boss.headers)
    assert (await api.client.get("/api/v1/users/me", headers=user.headers)).status_code == 200
    assert await api.pull_all(user) == []

    r = await api.client.put(f"/api/v1/admin/users/{user.user_id}/role", json={"role": "admin"}, headers=boss.headers)
    assert r.json()["role"] == "admin"


async def test_admins_cannot_change_themselves_and_users_cannot_administer(api: Api) -> None:
    boss = await api.account()
    await set_role_by_username(api.rt, boss.username, Role.ADMIN)
    user = await api.account()
    r = await api.client.put(f"/api/v1/admin/users/{boss.user_id}/role", json={"role": "user"}, headers=boss.headers)
    assert r.status_code == 403
    r = await api.client.post(f"/api/v1/admin/users/{boss.user_id}/disable", headers=boss.headers)
    assert r.status_code == 403
    for method, path in [
        ("GET", "/api/v1/admin/users"),
        ("POST", f"/api/v1/admin/users/{boss.user_id}/disable"),
        ("PUT", f"/api/v1/admin/users/{user.user_id}/role"),
    ]:
        r = await api.client.request(method, path, json={"role": "admin"}, headers=user.headers)
        assert r.status_code == 403, (method, path)
        assert r.json()["error"]["code"] == "forbidden"
    me = (await api.client.get("/api/v1/users/me", headers=user.headers)).json()
    assert me["role"] == "user"
    r = await api.client.get("/api/v1/admin/users/x/disable", headers=boss.headers)
    assert r.status_code == 405
    r = await api.client.post("/api/v1/admin/users/not-a-uuid/disable", headers=boss.headers)
    assert r.status_code == 404
