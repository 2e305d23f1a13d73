"""A heavy read does not freeze a worker: a real ``habit-server`` keeps answering ``/healthz``
while it computes the stats of 20 habits with 56 years of history each (issue 12, item 1).

The habits are due every 2 days, the costliest schedule to replay, so the stats dominate the
read (its database reads and Redis calls leave the event loop free anyway). With the stats
computed on the event loop, ``/healthz`` answered 8 times during the read (in its reads, before the
stats); off the loop, over 100 times."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.server.conftest import free_port
from tests.server.support import PASSWORD
from tests.server.test_server_processes import server_env, start_server, stop

pytestmark = pytest.mark.slow


def test_healthz_answers_while_a_long_history_is_computed(pg_url: str, redis_url: str, redis_prefix: str) -> None:
    env = server_env(DATABASE_URL=pg_url, REDIS_URL=redis_url, HABIT_REDIS_PREFIX=redis_prefix + "heavy:")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(port, env)  # one worker: every request below meets the same event loop
    try:
        with httpx.Client(base_url=base, timeout=120) as http:
            username = f"heavy{free_port()}"
            assert http.post("/api/v1/users", json={"username": username, "password": PASSWORD}).status_code == 201
            token = http.post("/api/v1/security/token", data={"username": username, "password": PASSWORD}).json()
            headers = {"Authorization": f"Bearer {token['access_token']}"}
            for i in range(20):
                body = {"name": f"Old habit {i}", "start_date": "1970-01-01", "schedule": "every 2 days"}
                assert http.post("/api/v1/habits", json=body, headers=headers).status_code == 201

        heavy: list[httpx.Response] = []
        answered_meanwhile = 0
        with httpx.Client(base_url=base, timeout=120) as http, httpx.Client(base_url=base, timeout=120) as probe:
            http.get("/healthz")  # both connected before the heavy read starts
            probe.get("/healthz")
            reader = threading.Thread(
                target=lambda: heavy.append(http.get("/api/v1/habits?limit=200", headers=headers))
            )
            reader.start()
            while reader.is_alive():
                r = probe.get("/healthz")
                assert r.status_code == 200
                if reader.is_alive():  # answered while the heavy read was still in flight
                    answered_meanwhile += 1
        reader.join()
        assert heavy[0].status_code == 200
        items = heavy[0].json()["items"]
        assert len(items) == 20
        assert all(item["start_date"] == "1970-01-01" for item in items)
        assert answered_meanwhile >= 30, f"/healthz answered {answered_meanwhile} times during the heavy read"
    finally:
        stop(proc)
