"""Accounts, tokens, refresh rotation, devices, and what the logs never hold."""

from __future__ import annotations

import logging

import pytest

from tests.server.conftest import SettingsFactory, open_api
from tests.server.support import PASSWORD, Api


async def test_register_and_me(api: Api) -> None:
    r = await api.register("Alice_1", email="alice@example.org", nickname="Al")
    assert r.status_code == 201
    body = r.json()
    assert body["role"] == "user"
    assert "password" not in r.text and "hash" not in r.text
    who = await api.account()
    me = (await api.client.get("/api/v1/users/me", headers=who.headers)).json()
    assert me["username"] == who.username


async def test_usernames_are_unique_ignoring_case(api: Api) -> None:
    assert (await api.register("Sam")).status_code == 201
    r = await api.register("sam")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "username_taken"


@pytest.mark.parametrize("password", ["tiny7", "12345678", "aaaaaaaaaaaa", "u-name-is-pw"])
async def test_weak_passwords_are_refused(api: Api, password: str) -> None:
    r = await api.register("u-name-is-pw", password=password)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "weak_password"
    assert password not in r.text


async def test_unknown_user_and_wrong_password_look_the_same(api: Api) -> None:
    who = await api.account()
    wrong = await api.login(who.username, "not the password")
    unknown = await api.login("nobody-here", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {"error": {"code": "invalid_credentials", "message": "incorrect username or password"}}
    )


async def test_login_is_rate_limited(settings_for: SettingsFactory) -> None:
    async for api in open_api(settings_for(login_attempts_per_minute=3), "any"):
        who = await api.account()
        codes = [(await api.login(who.username, "wrong password!")).status_code for _ in range(4)]
        assert codes == [401, 401, 429, 429] or codes == [401, 401, 401, 429]
        r = await api.login(who.username)
        assert r.status_code == 429
        assert r.json()["error"]["code"] == "rate_limited"
        assert int(r.headers["Retry-After"]) >= 1


async def test_refresh_rotates_and_reuse_logs_the_device_out(api: Api) -> None:
    who = await api.account()
    r = await api.client.post("/api/v1/security/refresh", json={"refresh_token": who.refresh})
    assert r.status_code == 200
    fresh = r.json()
    assert fresh["refresh_token"] != who.refresh
    assert fresh["device_id"] == who.device_id
    headers = {"Authorization": f"Bearer {fresh['access_token']}"}
    assert (await api.client.get("/api/v1/users/me", headers=headers)).status_code == 200
    # The old refresh token again: theft is assumed, the device is logged out.
    reused = await api.client.post("/api/v1/security/refresh", json={"refresh_token": who.refresh})
    assert reused.status_code == 401
    assert reused.json()["error"]["code"] == "token_revoked"
    after = await api.client.get("/api/v1/users/me", headers=headers)
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "token_revoked"
    r = await api.client.post("/api/v1/security/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert r.status_code == 401


async def test_logout_and_device_revocation(api: Api) -> None:
    who = await api.account()
    other = (await api.login(who.username, device="phone")).json()
    devices = (await api.client.get("/api/v1/devices", headers=who.headers)).json()
    assert {d["name"] for d in devices} == {"test", "phone"}
    assert [d["current"] for d in devices if d["id"] == who.device_id] == [True]
    r = await api.client.delete(f"/api/v1/devices/{other['device_id']}", headers=who.headers)
    assert r.status_code == 204
    phone = {"Authorization": f"Bearer {other['access_token']}"}
    r = await api.client.get("/api/v1/sync/status", headers=phone)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_revoked"
    assert (await api.client.post("/api/v1/security/logout", headers=who.headers)).status_code == 204
    assert (await api.client.get("/api/v1/users/me", headers=who.headers)).status_code == 401


async def test_a_user_cannot_change_their_own_role(api: Api) -> None:
    who = await api.account()
    r = await api.client.put("/api/v1/users/me", json={"role": "admin"}, headers=who.headers)
    assert r.status_code == 422
    r = await api.client.put("/api/v1/users/me", json={"nickname": "N", "role": "admin"}, headers=who.headers)
    assert r.status_code == 422
    me = (await api.client.get("/api/v1/users/me", headers=who.headers)).json()
    assert me["role"] == "user"
    assert me["nickname"] == ""
    r = await api.client.get("/api/v1/admin/users", headers=who.headers)
    assert r.status_code == 403


async def test_password_change_needs_the_current_password(api: Api) -> None:
    who = await api.account()
    r = await api.client.put("/api/v1/users/me", json={"password": "a new secret 42"}, headers=who.headers)
    assert r.status_code == 403
    body = {"password": "a new secret 42", "current_password": PASSWORD}
    assert (await api.client.put("/api/v1/users/me", json=body, headers=who.headers)).status_code == 200
    assert (await api.login(who.username)).status_code == 401
    assert (await api.login(who.username, "a new secret 42")).status_code == 200


async def test_delete_account_removes_everything(api: Api) -> None:
    who = await api.account()
    await api.create_habit(who, name="Gone")
    gone = await api.client.request("DELETE", "/api/v1/users/me", json={"password": PASSWORD}, headers=who.headers)
    assert gone.status_code == 204
    assert (await api.client.get("/api/v1/users/me", headers=who.headers)).status_code == 401
    assert (await api.login(who.username)).status_code == 401
    assert (await api.register(who.username)).status_code == 201


async def test_logs_hold_no_passwords_tokens_or_emails(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)  # the server's level; its own loggers at DEBUG too
    caplog.set_level(logging.DEBUG, logger="habit_server")
    who = await api.account(email="private@example.org")
    await api.create_habit(who)
    await api.login(who.username, "wrong-password-123")
    await api.client.post("/api/v1/security/refresh", json={"refresh_token": who.refresh})
    text = caplog.text
    assert caplog.records, "expected the server to log something"
    for secret in (PASSWORD, "wrong-password-123", "private@example.org", who.access, who.refresh):
        assert secret not in text
