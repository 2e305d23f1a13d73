"""Redis shared between servers, and what happens when it goes away and comes back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest
import redis
import redis.asyncio

from habit_server.cache.hub import Hub
from habit_server.cache.link import RedisLink
from habit_server.cache.ratelimit import RateLimiter
from sync_protocol.domain.ids import uuid7
from tests.server.conftest import free_port, make_settings, open_api, start_redis
from tests.server.support import Device, fresh_rate_window


async def test_rate_limits_are_shared_between_server_processes(redis_url: str, redis_prefix: str) -> None:
    links = [RedisLink(redis_url, redis_prefix + "rl-shared:") for _ in range(2)]
    limiters = [RateLimiter(link) for link in links]
    try:
        results = [await limiters[i % 2].hit("login:x", 4) for i in range(6)]
        assert results[:4] == [None] * 4
        assert all(r is not None for r in results[4:])
    finally:
        for link in links:
            await link.close()


async def test_push_limits_are_shared_between_server_processes(pg_url: str, redis_url: str, redis_prefix: str) -> None:
    """Pushes are counted after they are stored, in the round trip that hints streams (the answer
    does not wait for it): a process learns the shared count when Redis answers, so each process
    lets at most the pushes it has in flight then past the limit."""
    settings = make_settings(
        database_url=pg_url, redis_url=redis_url, redis_prefix=redis_prefix + "push-limit:", pushes_per_minute=3
    )
    async for one in open_api(settings, "postgres"):
        async for two in open_api(settings, "postgres"):
            who = await one.account()
            dev, hid = Device(), uuid7()
            await fresh_rate_window()

            codes = []
            for day, api in enumerate([one, one, two, two, one, one], start=1):
                codes.append((await api.push(who, [dev.checkin(hid, f"2026-02-{day:02d}")])).status_code)
                await api.rt.hub.settle()  # the count comes back after the answer
            # two saw the shared count reach 3 with its first push; one learns it with its third.
            assert codes == [200, 200, 200, 429, 200, 429]
            assert len(await one.pull_all(who)) == 4


async def test_a_push_count_expires_with_its_window(pg_url: str, redis_url: str, redis_prefix: str) -> None:
    """The push counter of a user's window is given its expiry once, and keeps it (no key outlives its window)."""
    prefix = redis_prefix + "push-ttl:"
    settings = make_settings(database_url=pg_url, redis_url=redis_url, redis_prefix=prefix, pushes_per_minute=100)
    async for api in open_api(settings, "postgres"):
        who = await api.account()
        dev, hid = Device(), uuid7()
        await fresh_rate_window()
        for day in (1, 2, 3):
            assert (await api.push(who, [dev.checkin(hid, f"2026-02-{day:02d}")])).status_code == 200
            await api.rt.hub.settle()
        client = redis.Redis.from_url(redis_url)
        try:
            keys = list(client.scan_iter(match=prefix + "rl:push:*"))
            assert len(keys) == 1
            assert int(client.get(keys[0]) or 0) == 3
            assert 0 < int(client.ttl(keys[0])) <= 61
        finally:
            client.close()


async def _subscribers(redis_url: str, channel: str) -> int:
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        counts = await client.pubsub_numsub(channel)
        return int(counts[0][1])
    finally:
        await client.aclose()


async def _until(check: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(100):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in 5 s")


async def test_a_process_listens_to_a_user_only_while_it_holds_a_stream(redis_url: str, redis_prefix: str) -> None:
    hubs = [Hub(RedisLink(redis_url, redis_prefix + "hubs:")) for _ in range(2)]
    here, there = hubs
    try:
        for hub in hubs:
            await hub.start()
            await asyncio.wait_for(hub.listening.wait(), 5)
        channel = here.channel("u1")
        assert await _subscribers(redis_url, channel) == 0  # nobody pays for users without streams
        with here.subscribe("u1") as queue:
            await _until(lambda: _same(_subscribers(redis_url, channel), 1))
            # The confirmed subscription tells the stream to re-read its head: nothing in between is lost.
            assert await asyncio.wait_for(queue.get(), 5) is None
            await there.publish("u1", 7)
            assert await asyncio.wait_for(queue.get(), 5) == 7
        await _until(lambda: _same(_subscribers(redis_url, channel), 0))
    finally:
        for hub in hubs:
            await hub.stop()
            await hub.link.close()


async def _same(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


@pytest.fixture
def own_redis() -> Iterator[int]:
    """A Redis of this test's own, which it may stop and start again."""
    port = free_port()
    proc = start_redis(port)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


async def test_the_server_keeps_serving_when_redis_dies_and_recovers(pg_url: str, own_redis: int) -> None:
    port = own_redis
    settings = make_settings(database_url=pg_url, redis_url=f"redis://127.0.0.1:{port}/0", redis_prefix="outage:")
    async for api in open_api(settings, "postgres"):
        who = await api.account()
        dev = Device()
        hid = uuid7()
        assert (await api.push(who, [dev.create(hid, "Before")])).status_code == 200
        assert (await api.client.get("/api/v1/habits", headers=who.headers)).status_code == 200
        await asyncio.wait_for(api.rt.hub.listening.wait(), 5)

        redis.Redis(port=port).shutdown(nosave=True)
        await asyncio.sleep(0.2)
        r = await api.push(who, [dev.checkin(hid, "2026-01-01")])
        assert r.status_code == 200, r.text
        listed = await api.client.get("/api/v1/habits", headers=who.headers)
        assert listed.status_code == 200
        assert (await api.login(who.username)).status_code == 200
        ready = (await api.client.get("/readyz")).json()
        assert ready["status"] == "degraded"
        assert api.rt.link.down

        proc = start_redis(port)
        try:
            await asyncio.sleep(1.2)  # past the retry pause
            assert (await api.push(who, [dev.checkin(hid, "2026-01-02")])).status_code == 200
            await asyncio.wait_for(api.rt.hub.listening.wait(), 5)
            assert not api.rt.link.down
            assert (await api.client.get("/readyz")).json()["status"] == "ok"
            keys = redis.Redis(port=port).keys("outage:*")
            assert keys, "the server writes to Redis again"
            # Writes made while Redis was down invalidated nothing there; entries expire or are bumped on return.
            r1 = await api.client.get("/api/v1/habits", headers=who.headers)
            assert r1.json()["items"][0]["name"] == "Before"
        finally:
            proc.terminate()
            proc.wait(10)
