"""``habit coach`` as a user runs it: model advice streamed when Ollama answers, the built-in coach when not."""

from __future__ import annotations

import json
from pathlib import Path

from tests.coach.conftest import FakeOllama, Reply
from tests.coach.history import NOTE, saturday_slipper, stalled
from tests.report.cli import run_habit, seed
from tests.report.sample import make_habit

NOW = "2025-11-24T09:00:00"
ADVICE = [
    "Saturdays are ",
    "your weak spot: ",
    "decide tonight when ",
    "you will call on Saturday, ",
    "and keep it short.",
]


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    slipper, slipper_checkins = saturday_slipper()
    guitar, guitar_checkins = stalled()
    fine = make_habit("Floss", start=slipper.start_date, position=3)
    seed(home, [slipper, guitar, fine], {slipper.id: slipper_checkins, guitar.id: guitar_checkins}, NOW)
    return home


def test_model_advice_is_streamed_and_credited(tmp_path: Path, ollama_server: FakeOllama) -> None:
    ollama_server.reply = Reply(chunks=ADVICE)
    home = _home(tmp_path)
    env = {"HABIT_NOW": NOW, "OLLAMA_HOST": ollama_server.url, "OLLAMA_MODEL": "llama3.2"}
    result = run_habit(home, "coach", env=env)
    assert result.code == 0, result.err
    assert result.out.startswith("3 habits at risk")
    assert "Call mom · daily · 22-day streak at stake · last done yesterday" in result.out
    assert "Guitar practice · daily · last done 11 days ago" in result.out
    assert "Floss · daily · never done yet" in result.out
    assert result.out.count("".join(ADVICE)) == 3
    assert result.out.count("— advice from Ollama (llama3.2)") == 3
    sent = json.dumps([c["messages"] for c in ollama_server.chats], ensure_ascii=False)
    for private in ("Call mom", "Guitar", "Mary", NOTE):
        assert private not in sent


def test_without_ollama_the_built_in_coach_answers(tmp_path: Path, closed_port_url: str) -> None:
    home = _home(tmp_path)
    result = run_habit(home, "coach", env={"HABIT_NOW": NOW, "OLLAMA_HOST": closed_port_url})
    assert result.code == 0, result.err
    assert "Your 22-day streak ends tonight unless you do it today." in result.out
    assert "Weekends are where it slips" in result.out
    assert "It has been 11 days since you last completed it" in result.out
    assert "You have not completed this since you started it 115 days ago." in result.out
    assert f"— built-in coach (the model was not used: Ollama is not reachable at {closed_port_url})" in result.out
    assert result.err == ""


def test_config_file_settings_and_environment_override(
    tmp_path: Path, ollama_server: FakeOllama, closed_port_url: str
) -> None:
    ollama_server.reply = Reply(chunks=ADVICE)
    home = _home(tmp_path)
    config = f'ollama_host = "{ollama_server.url}"\nollama_model = "phi3"\nollama_timeout = 5.0\n'
    (home / "config.toml").write_text(config, encoding="utf-8")
    result = run_habit(home, "coach", "--json", env={"HABIT_NOW": NOW})
    data = json.loads(result.out)
    assert [a["source"] for a in data] == ["ollama", "ollama", "ollama"]
    assert {a["model"] for a in data} == {"phi3"}
    assert data[0]["name"] == "Call mom"
    assert data[0]["advice"] == "".join(ADVICE)
    assert data[0]["facts"]["weak_weekdays"] == [5]
    # OLLAMA_HOST wins over the config file.
    result = run_habit(home, "coach", "--json", env={"HABIT_NOW": NOW, "OLLAMA_HOST": closed_port_url})
    data = json.loads(result.out)
    assert [a["source"] for a in data] == ["rules", "rules", "rules"]
    assert data[0]["fallback_reason"] == f"Ollama is not reachable at {closed_port_url}"


def test_rules_flag_and_nothing_at_risk(tmp_path: Path, ollama_server: FakeOllama) -> None:
    home = _home(tmp_path)
    env = {"HABIT_NOW": NOW, "OLLAMA_HOST": ollama_server.url}
    result = run_habit(home, "coach", "--rules", env=env)
    assert result.code == 0, result.err
    assert "— built-in coach\n" in result.out
    assert ollama_server.requests == []
    quiet = run_habit(tmp_path / "empty", "coach", env=env)
    assert quiet.code == 0, quiet.err
    assert quiet.out == "No habit is at risk today. Keep it up.\n"
