"""Issue 12, item 6: bad text at every entry point the server has, not only JSON bodies.

Form fields (the login), path parameters and query strings get a NUL byte, a lone surrogate and bytes
that are not UTF-8 at all. Every operation of the OpenAPI document is walked, so an endpoint added
later is covered too. Each answers 4xx with a JSON body that is valid UTF-8, never 500. (JSON bodies
and push payloads: tests/server/test_server_text.py.)
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from habit_server.services.users import set_role_by_username
from sync_protocol.wire.auth import Role
from tests.server.support import Api

RAW = {"nul": "a%00b", "lone surrogate": "a%ED%A0%80b", "not utf-8": "a%FFb", "control": "a%07b"}
"""Percent-encoded, as they arrive in a URL or a form body."""


def clean_4xx(r: httpx.Response, *allowed: int) -> None:
    assert r.status_code in allowed, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    json.loads(r.content.decode("utf-8"))  # strict UTF-8, and JSON


@pytest.mark.parametrize("what", RAW)
async def test_bad_form_fields_in_the_login_are_refused(api: Api, what: str) -> None:
    who = await api.account()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for body in (
        f"username={RAW[what]}&password=whatever1",
        f"username={who.username}&password={RAW[what]}",
        f"username={who.username}&password=whatever1&device_name={RAW[what]}",
    ):
        r = await api.client.post("/api/v1/security/token", content=body.encode(), headers=headers)
        clean_4xx(r, 401, 422)  # a name no account can have is simply not a login


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    ops = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            if path.endswith("/stream"):
                continue  # it never ends; its only input is the token
            text = [
                p
                for p in op.get("parameters", [])
                if p["in"] in ("path", "query") and p.get("schema", {}).get("type") not in ("integer", "boolean")
            ]
            if text:
                ops.append((method.upper(), path, text))
    return ops


@pytest.mark.parametrize("what", RAW)
async def test_bad_text_in_every_path_and_query_parameter_is_a_clean_4xx(api: Api, what: str) -> None:
    admin = await api.account()
    assert await set_role_by_username(api.rt, admin.username, Role.ADMIN)
    habit = await api.create_habit(admin, name="Read")
    good = {"habit_id": habit["id"], "user_id": admin.user_id, "device_id": "x"}
    ops = _operations(api.app.openapi())
    assert len(ops) >= 10, ops  # the walk found the API
    for method, path, params in ops:
        for bad in params:
            url = path
            query = []
            for p in params:
                value = RAW[what] if p is bad else None
                if p["in"] == "path":
                    url = url.replace("{" + p["name"] + "}", value or str(good.get(p["name"], "x")))
                elif value is not None:
                    query.append(f"{p['name']}={value}")
            target = url + ("?" + "&".join(query) if query else "")
            body = b"{}" if method in ("POST", "PUT") else None
            r = await api.client.request(
                method, target, content=body, headers={**admin.headers, "Content-Type": "application/json"}
            )
            clean_4xx(r, 400, 403, 404, 405, 422)
            if bad["in"] == "query" and bad["name"] != "user_id":  # an id not yours is 404, as in a path
                assert r.status_code == 422, f"{method} {target}: {r.status_code} {r.text}"
