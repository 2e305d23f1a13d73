"""The coach against a real HTTP server speaking Ollama's API, and against no server at all."""

from __future__ import annotations

import json
import time

from sync_protocol.coach.coach import Coach
from sync_protocol.coach.settings import ModelSettings
from tests.coach.conftest import FakeOllama, Reply
from tests.coach.history import NOTE, slipper_facts, stalled_facts

ADVICE = [
    "Saturdays ",
    "are your weak spot, ",
    "so decide tonight when you will call ",
    "on Saturday morning. ",
    "Keep today's call short: ",
    "five minutes keeps the 22-day streak alive.",
]


def _coach(url: str, *, model: str = "llama3.2", timeout: float = 5.0) -> Coach:
    return Coach(ModelSettings(host=url, model=model, timeout=timeout))


def test_streamed_advice_arrives_in_pieces_and_says_it_came_from_the_model(ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(chunks=ADVICE)
    pieces: list[str] = []
    with _coach(ollama_server.url) as coach:
        advice = coach.advise(slipper_facts(), on_chunk=pieces.append)
    assert advice.source == "ollama"
    assert advice.model == "llama3.2"
    assert advice.text == "".join(ADVICE)
    assert "".join(pieces) == advice.text
    assert len(pieces) > 1  # shown as it arrived, not all at the end
    assert advice.to_json()["source"] == "ollama"
    (chat,) = ollama_server.chats
    assert chat["model"] == "llama3.2"
    assert chat["stream"] is True
    sent = json.dumps(chat["messages"], ensure_ascii=False)
    assert "Current streak: 22 days" in sent
    for private in ("Call mom", "Mary", "example.com", NOTE):
        assert private not in sent


def test_non_streaming_chat(ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(chunks=ADVICE)
    with _coach(ollama_server.url) as coach:
        advice = coach.advise(slipper_facts(), stream=False)
    assert (advice.source, advice.text) == ("ollama", "".join(ADVICE))
    assert ollama_server.chats[0]["stream"] is False


def test_without_a_configured_model_the_first_installed_one_is_used(ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(chunks=ADVICE)
    with _coach(ollama_server.url, model="") as coach:
        first = coach.advise(slipper_facts())
        second = coach.advise(stalled_facts())
    assert first.model == second.model == "llama3.2:latest"
    assert [r["path"] for r in ollama_server.requests] == ["/api/tags", "/api/chat", "/api/chat"]


def test_no_models_installed_falls_back_with_a_hint(ollama_server: FakeOllama) -> None:
    ollama_server.models = []
    with _coach(ollama_server.url, model="") as coach:
        advice = coach.advise(slipper_facts())
    assert advice.source == "rules"
    assert "ollama pull" in advice.fallback_reason
    assert advice.text.startswith("Your 22-day streak ends tonight")


def test_server_error_falls_back_to_rules(ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(status=500, error="llama runner process has terminated")
    with _coach(ollama_server.url) as coach:
        advice = coach.advise(slipper_facts())
    assert advice.source == "rules"
    assert advice.fallback_reason == "Ollama answered with HTTP 500: llama runner process has terminated"
    assert "Saturdays" in advice.text


def test_missing_model_says_how_to_get_it(ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(status=404, error='model "mistral" not found, try pulling it first')
    with _coach(ollama_server.url, model="mistral") as coach:
        advice = coach.advise(slipper_facts())
    assert advice.source == "rules"
    assert advice.fallback_reason == "the model 'mistral' is not installed in Ollama (try: ollama pull mistral)"


def test_a_server_slower_than_the_timeout(ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(chunks=ADVICE, delay=3.0)
    started = time.monotonic()
    with _coach(ollama_server.url, timeout=0.5) as coach:
        advice = coach.advise(slipper_facts())
    assert time.monotonic() - started < 2.5
    assert advice.source == "rules"
    assert advice.fallback_reason == "Ollama did not answer within 0.5 s"


def test_a_model_that_trickles_past_the_timeout(ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(chunks=ADVICE * 4, chunk_delay=0.15)
    pieces: list[str] = []
    with _coach(ollama_server.url, timeout=0.8) as coach:
        advice = coach.advise(slipper_facts(), on_chunk=pieces.append)
    assert advice.source == "rules"
    assert advice.fallback_reason == "Ollama did not finish within 0.8 s"


def test_garbage_json_falls_back(ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(raw=b'{"model": "llama3.2", "message": {"role": "assis\n')
    with _coach(ollama_server.url) as coach:
        advice = coach.advise(slipper_facts())
    assert advice.source == "rules"
    assert advice.fallback_reason == "Ollama's answer was not valid JSON"


def test_error_inside_the_stream_falls_back(ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(chunks=["Sat"], stream_error="out of memory")
    pieces: list[str] = []
    with _coach(ollama_server.url) as coach:
        advice = coach.advise(slipper_facts(), on_chunk=pieces.append)
    assert advice.source == "rules"
    assert advice.fallback_reason == "Ollama reported an error: out of memory"
    assert pieces == []  # nothing half-said reached the screen


def test_nonsense_answers_are_not_passed_on(ollama_server: FakeOllama) -> None:
    cases = {
        "": "the model gave an empty answer",
        "OK!": "the model's answer was too short to be advice",
        '{"advice": "call on Saturday", "confidence": 0.93, "habit": 1, "more": [1, 2, 3]}': "data, not advice",
        "streak " * 60: "the model's answer repeated itself",
        "@@@@ #### $$$$ %%%% ^^^^ &&&& **** (((( )))) ____ ++++ ==== ~~~~": "not readable text",
    }
    with _coach(ollama_server.url) as coach:
        for answer, reason in cases.items():
            ollama_server.reply = Reply(chunks=[answer[i : i + 7] for i in range(0, len(answer), 7)])
            pieces: list[str] = []
            advice = coach.advise(slipper_facts(), on_chunk=pieces.append)
            assert advice.source == "rules", answer
            assert reason in advice.fallback_reason
            if reason != "the model's answer repeated itself":
                assert pieces == []
    # A bad answer is not the server's fault: every habit was still asked.
    assert len(ollama_server.chats) == len(cases)


def test_reasoning_blocks_are_not_shown(ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(chunks=["<think>", "The user misses Saturdays.", "</think>\n\n", *ADVICE])
    pieces: list[str] = []
    with _coach(ollama_server.url) as coach:
        advice = coach.advise(slipper_facts(), on_chunk=pieces.append)
    assert advice.source == "ollama"
    assert advice.text == "".join(ADVICE)
    assert "think" not in "".join(pieces)


def test_no_server_at_all(closed_port_url: str) -> None:
    started = time.monotonic()
    with _coach(closed_port_url) as coach:
        first = coach.advise(slipper_facts())
        second = coach.advise(stalled_facts())
    assert time.monotonic() - started < 2.0
    assert first.source == second.source == "rules"
    assert first.fallback_reason == f"Ollama is not reachable at {closed_port_url}"
    assert second.fallback_reason == first.fallback_reason
    assert coach.unavailable_reason == first.fallback_reason


def test_after_a_server_failure_the_rest_go_straight_to_rules(ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(status=503, error="busy")
    with _coach(ollama_server.url) as coach:
        coach.advise(slipper_facts())
        later = coach.advise(stalled_facts())
    assert later.source == "rules"
    assert later.fallback_reason == "Ollama answered with HTTP 503: busy"
    assert len(ollama_server.chats) == 1


def test_rules_only_coach_makes_no_request() -> None:
    with Coach(None) as coach:
        advice = coach.advise(slipper_facts())
    assert advice.source == "rules"
    assert advice.fallback_reason == ""
    assert advice.to_json()["facts"]["weak_weekdays"] == [5]
