"""``GET /api/v1/habits/at-risk/ai-coach``: the at-risk habits with advice, from a loopback server
speaking Ollama's ``/api/chat`` (tests/coach/conftest.py) or from the built-in coach."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest

from habit_server.services.coaching import BUSY
from tests.coach.conftest import FakeOllama, Reply, closed_port_url, ollama_server
from tests.server.conftest import SettingsFactory, open_api
from tests.server.support import Account, Api, Device

__all__ = ["closed_port_url", "ollama_server"]  # fixtures shared with the coach tests

COACH = "/api/v1/habits/at-risk/ai-coach"
ADVICE = (
    "You kept this going for two days and the streak ends tonight. Do it right after dinner today, "
    "and put it next to something you already do every evening."
)


@pytest.fixture
def with_ollama(settings_for: SettingsFactory, ollama_server: FakeOllama) -> SettingsFactory:
    ollama_server.reply = Reply(chunks=[ADVICE[:40], ADVICE[40:]])
    return lambda **kw: settings_for(ollama_host=ollama_server.url, **kw)


async def _open(factory: SettingsFactory, **kw: Any) -> AsyncIterator[Api]:
    settings = factory(**kw)
    async for a in open_api(settings, "sqlite" if settings.is_sqlite else "postgres"):
        yield a


async def _at_risk_habit(api: Api, who: Account, **fields: Any) -> dict[str, Any]:
    """A daily habit done the two days before today and not yet today: its streak ends tonight."""
    today = date.today()
    habit = await api.create_habit(who, start_date=(today - timedelta(days=10)).isoformat(), **fields)
    for back in (1, 2):
        day = (today - timedelta(days=back)).isoformat()
        r = await api.client.post(f"/api/v1/habits/{habit['id']}/complete", json={"date": day}, headers=who.headers)
        assert r.status_code == 200, r.text
    return habit


async def _done_today(api: Api, who: Account) -> dict[str, Any]:
    habit = await api.create_habit(who)
    r = await api.client.post(f"/api/v1/habits/{habit['id']}/complete", headers=who.headers)
    assert r.status_code == 200, r.text
    return habit


async def test_rules_answer_without_ollama(api: Api) -> None:
    who = await api.account()
    risky = await _at_risk_habit(api, who)
    await _done_today(api, who)

    r = await api.client.get(COACH, headers=who.headers)
    assert r.status_code == 200, r.text  # not taken for /habits/{habit_id}
    answer = r.json()
    assert answer["source"] == "rules"
    assert answer["model"] is None
    assert answer["days"] == 3
    assert [item["habit_id"] for item in answer["items"]] == [risky["id"]]
    item = answer["items"][0]
    # The keys `habit coach --json` prints for each habit (the client's Advice.to_json).
    assert set(item) == {"habit_id", "name", "source", "model", "advice", "fallback_reason", "facts"}
    assert item["source"] == "rules" and item["model"] is None and item["fallback_reason"] is None
    assert item["name"] == risky["name"]
    assert len(item["advice"]) > 20
    assert "streak_ends" in item["facts"]["reasons"]
    assert item["facts"]["current_streak"] == 2

    # The original API's ?user_id=: one's own id only.
    assert (await api.client.get(f"{COACH}?user_id={who.user_id}", headers=who.headers)).status_code == 200
    other = await api.account()
    r = await api.client.get(f"{COACH}?user_id={other.user_id}", headers=who.headers)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    # Another user sees none of it.
    r = await api.client.get(COACH, headers=other.headers)
    assert r.json()["items"] == []
    assert (await api.client.get(COACH)).status_code == 401


async def test_ollama_answers_and_its_prompt_holds_no_personal_data(
    with_ollama: SettingsFactory, ollama_server: FakeOllama
) -> None:
    async for api in _open(with_ollama):
        email = "jo.private@example.org"
        who = await api.account(email=email, nickname="Jolene")
        # Put the username and email where a careless prompt would pick them up: the habit's own text.
        await _at_risk_habit(api, who, name=f"{who.username} run", description=f"with {email}", tags="Jolene")
        r = await api.client.get(COACH, headers=who.headers)
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["source"] == "ollama"
        assert answer["model"] == "llama3.2:latest"  # the first model the server lists
        [item] = answer["items"]
        assert item["source"] == "ollama"
        assert item["advice"] == ADVICE
        assert item["name"] == f"{who.username} run"  # the user sees their habit's name; the model does not

        assert len(ollama_server.chats) == 1
        prompt = json.dumps(ollama_server.chats[0]).lower()
        assert "streak" in prompt  # it does carry the habit's facts
        for secret in (who.username, email, "jo.private", "jolene", who.user_id):
            assert secret.lower() not in prompt, secret


async def test_answer_is_cached_until_the_users_data_changes(
    with_ollama: SettingsFactory, ollama_server: FakeOllama
) -> None:
    async for api in _open(with_ollama):
        who = await api.account()
        first = await _at_risk_habit(api, who)
        second = await _at_risk_habit(api, who)
        r = await api.client.get(COACH, headers=who.headers)
        assert r.headers["X-Cache"] == "miss"
        assert {i["habit_id"] for i in r.json()["items"]} == {first["id"], second["id"]}
        assert len(ollama_server.chats) == 2

        again = await api.client.get(COACH, headers=who.headers)
        assert again.headers["X-Cache"] == "hit"
        assert again.json() == r.json()
        assert len(ollama_server.chats) == 2  # the model was not asked again

        # Another user's writes leave this user's answer cached.
        other = await api.account()
        await api.create_habit(other)
        assert (await api.client.get(COACH, headers=who.headers)).headers["X-Cache"] == "hit"

        # A device of the user syncs a check-in for today: the first habit is safe now.
        pushed = await api.push(who, [Device().checkin(first["id"], date.today().isoformat())])
        assert pushed.status_code == 200, pushed.text
        after = await api.client.get(COACH, headers=who.headers)
        assert after.headers["X-Cache"] == "miss"
        assert [i["habit_id"] for i in after.json()["items"]] == [second["id"]]
        assert len(ollama_server.chats) == 3

        # A REST write drops it too.
        r = await api.client.post(f"/api/v1/habits/{second['id']}/complete", headers=who.headers)
        assert r.status_code == 200
        last = await api.client.get(COACH, headers=who.headers)
        assert last.headers["X-Cache"] == "miss"
        assert last.json()["items"] == []


async def test_unreachable_ollama_falls_back_to_the_rules(settings_for: SettingsFactory, closed_port_url: str) -> None:
    async for api in _open(settings_for, ollama_host=closed_port_url):
        who = await api.account()
        await _at_risk_habit(api, who)
        await _at_risk_habit(api, who)
        r = await api.client.get(COACH, headers=who.headers)
        assert r.status_code == 200, r.text
        answer = r.json()
        assert answer["source"] == "rules"
        assert [i["source"] for i in answer["items"]] == ["rules", "rules"]
        assert all("not reachable" in i["fallback_reason"] for i in answer["items"])


async def test_a_slow_model_is_bounded(with_ollama: SettingsFactory, ollama_server: FakeOllama) -> None:
    """The model's answer is bounded by OLLAMA_TIMEOUT; the rules answer instead (and the model is
    not asked again for the other habits of the request)."""
    ollama_server.reply = Reply(chunks=[ADVICE], delay=5.0)
    async for api in _open(with_ollama, ollama_timeout=0.3, ollama_model="llama3.2:latest"):
        who = await api.account()
        await _at_risk_habit(api, who)
        await _at_risk_habit(api, who)
        r = await api.client.get(COACH, headers=who.headers)
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert [i["source"] for i in items] == ["rules", "rules"]
        assert "did not answer within 0.3 s" in items[0]["fallback_reason"]
        assert len(ollama_server.chats) == 1


async def test_busy_model_slots_make_the_rules_answer(with_ollama: SettingsFactory, ollama_server: FakeOllama) -> None:
    async for api in _open(with_ollama, coach_concurrency=1, coach_queue_seconds=0):
        who = await api.account()
        await _at_risk_habit(api, who)
        async with api.rt.coach_slots:  # another request is talking to the model
            r = await api.client.get(COACH, headers=who.headers)
        assert r.status_code == 200, r.text
        [item] = r.json()["items"]
        assert item["source"] == "rules"
        assert item["fallback_reason"] == BUSY
        assert ollama_server.chats == []
        # A slot is free again: the model answers (a busy answer is not cached).
        r = await api.client.get(COACH, headers=who.headers)
        assert r.headers["X-Cache"] == "miss"
        assert r.json()["source"] == "ollama"
        assert len(ollama_server.chats) == 1
