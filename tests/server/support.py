"""Helpers for the server tests: an HTTP client that knows the API, accounts, event makers."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from habit_server.runtime import Runtime
from sync_protocol.domain.ids import hlc_from_ms, now_ms, uuid7

PASSWORD = "correct horse battery"


@dataclass
class Account:
    username: str
    password: str
    user_id: str
    device_id: str
    access: str
    refresh: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access}"}


@dataclass
class Api:
    client: httpx.AsyncClient
    rt: Runtime
    backend: str
    app: FastAPI

    async def register(self, username: str | None = None, password: str = PASSWORD, **extra: str) -> httpx.Response:
        name = username or f"u{secrets.token_hex(5)}"
        return await self.client.post("/api/v1/users", json={"username": name, "password": password, **extra})

    async def login(self, username: str, password: str = PASSWORD, device: str = "test") -> httpx.Response:
        data = {"username": username, "password": password, "device_name": device}
        return await self.client.post("/api/v1/security/token", data=data)

    async def account(self, username: str | None = None, **extra: str) -> Account:
        r = await self.register(username, **extra)
        assert r.status_code == 201, r.text
        name = r.json()["username"]
        t = await self.login(name)
        assert t.status_code == 200, t.text
        body = t.json()
        return Account(name, PASSWORD, body["user_id"], body["device_id"], body["access_token"], body["refresh_token"])

    async def push(self, who: Account, events: list[dict[str, Any]]) -> httpx.Response:
        return await self.client.post("/api/v1/sync/events", json={"events": events}, headers=who.headers)

    async def pull_all(self, who: Account, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            r = await self.client.get(f"/api/v1/sync/events?after={after}&limit={limit}", headers=who.headers)
            assert r.status_code == 200, r.text
            page = r.json()
            out.extend(page["events"])
            after = page["next"]
            if not page["has_more"]:
                return out

    async def create_habit(self, who: Account, **fields: Any) -> dict[str, Any]:
        body = {"name": f"h{secrets.token_hex(4)}", **fields}
        r = await self.client.post("/api/v1/habits", json=body, headers=who.headers)
        assert r.status_code == 201, r.text
        result: dict[str, Any] = r.json()
        return result


@dataclass
class Device:
    """Makes events the way a client device does: gapless device_seq, advancing HLC."""

    device_id: str = field(default_factory=uuid7)
    seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    clock: int = 0

    def event(self, kind: str, payload: dict[str, Any], *, hlc: int | None = None) -> dict[str, Any]:
        if hlc is None:
            self.clock = hlc = max(self.clock + 1, hlc_from_ms(now_ms()))
        return {
            "event_id": uuid7(),
            "device_id": self.device_id,
            "device_seq": next(self.seq),
            "hlc": hlc,
            "kind": kind,
            "schema": 1,
            "payload": payload,
        }

    def create(self, habit_id: str, name: str, **fields: Any) -> dict[str, Any]:
        return self.event("habit.create", {"habit_id": habit_id, "name": name, "schedule": "daily", **fields})

    def checkin(self, habit_id: str, day: str, value: float = 1, note: str = "") -> dict[str, Any]:
        return self.event("checkin.set", {"habit_id": habit_id, "date": day, "value": value, "note": note})


async def fresh_rate_window(window: int = 60) -> None:
    """Wait for the next fixed rate-limit window if this one ends within 3 s (so counts don't reset mid-test)."""
    left = window - time.time() % window
    if left < 3:
        await asyncio.sleep(left + 0.05)
