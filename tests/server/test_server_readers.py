"""The push and the check-in routes read their own requests (``habit_server.api.direct``): whatever
a client sends them, they answer what FastAPI answers when it serves the same endpoints itself."""

from __future__ import annotations

from typing import Any

from habit_server.api.direct import ReaderRoute
from tests.server.support import Api


async def test_the_busiest_routes_answer_every_request_as_fastapi_would(api: Api) -> None:
    who = await api.account()
    habit = await api.create_habit(who, name="Read")
    push, complete = "/api/v1/sync/events", f"/api/v1/habits/{habit['id']}/complete"
    as_json = {**who.headers, "Content-Type": "application/json"}
    event = {"event_id": "0190a0b1-0000-7000-8000-000000000001", "device_id": "d", "device_seq": 1, "hlc": 1}
    requests: list[tuple[str, str, dict[str, str], bytes]] = [
        ("POST", push, as_json, b""),
        ("POST", push, {**who.headers, "Content-Type": "text/plain"}, b'{"events": []}'),
        ("POST", push, {**who.headers, "Content-Type": "application/vnd.api+json; charset=utf-8"}, b"{}"),
        ("POST", push, as_json, b'{"events": [{"event_id": 1}]}'),
        ("POST", push, as_json, b'{"events": [' + str(event).replace("'", '"').encode() + b"]}"),
        ("POST", push, as_json, b'{"events": '),
        ("POST", push, as_json, b"\xff\xfe\xfd"),
        ("POST", push, {"Content-Type": "application/json"}, b'{"events": []}'),
        ("POST", push, {**as_json, "Authorization": "Bearer nonsense"}, b'{"events": []}'),
        ("POST", push, {**as_json, "Authorization": "Basic dTpw"}, b'{"events": []}'),
        ("POST", complete + "?today=nope", as_json, b'{"value": "x"}'),
        ("POST", complete + "?today=1999-01-01", as_json, b""),
        ("POST", complete, as_json, b'{"date": "2020-01-01", "extra": 1}'),
        ("POST", complete, as_json, b'{"date": "1066-10-14"}'),
        ("POST", complete, as_json, b"[1, 2]"),
        ("POST", complete, as_json, b'{"value": NaN}'),
        ("POST", complete, as_json, b'{"value": 1e999, "note": "\\u0000"}'),
        ("POST", "/api/v1/habits/not-an-id/complete", as_json, b""),
        ("DELETE", complete + "?date=nope&today=nope", who.headers, b""),
        ("PUT", complete, as_json, b""),
        ("GET", push + "?after=-1", who.headers, b""),
    ]

    async def answers() -> list[tuple[int, Any]]:
        out = []
        for method, path, headers, body in requests:
            r = await api.client.request(method, path, headers=headers, content=body)
            out.append((r.status_code, r.json() if r.content else None))
        return out

    routes = api.app.router.routes
    readers = [r for r in routes if isinstance(r, ReaderRoute)]
    assert {(r.path, m) for r in readers for m in r.methods or ()} >= {
        ("/api/v1/sync/events", "POST"),
        ("/api/v1/habits/{habit_id}/complete", "POST"),
        ("/api/v1/habits/{habit_id}/complete", "DELETE"),
    }
    by_readers = await answers()
    routes[:] = [r for r in routes if not isinstance(r, ReaderRoute)]  # FastAPI serves the endpoints itself
    by_fastapi = await answers()
    for request, mine, theirs in zip(requests, by_readers, by_fastapi, strict=True):
        assert mine == theirs, request
    assert {status for status, _ in by_readers} >= {400, 401, 404, 405, 422}
    assert all(status < 500 for status, _ in by_readers)
