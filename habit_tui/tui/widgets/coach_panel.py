"""The coach on the detail screen: advice for an at-risk habit, streamed in without blocking.

The advice is asked for on a thread worker (Ollama may take seconds, or time out). Pieces of
the model's answer come back as :class:`CoachChunk` messages and the result as
:class:`CoachAnswered`, each stamped with the request's token: a reply to an older request, or
one that arrives after the screen has closed, is dropped. Leaving the screen cancels the worker;
the model's stream stops at its next piece, and a model still thinking never holds the app open.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

from rich.text import Text
from textual.widgets import Static
from textual.worker import get_current_worker

from habit_tui.services.reporting import open_coach
from habit_tui.settings import Settings
from habit_tui.tui.messages import CoachAnswered, CoachChunk
from sync_protocol.coach.advice import Advice
from sync_protocol.coach.facts import HabitFacts
from sync_protocol.coach.rules import rule_advice
from sync_protocol.domain.text import printable

log = logging.getLogger(__name__)

ASKING = "Asking the coach…"
NOT_AT_RISK = "Not at risk: nothing to coach."
WAIT_STEP_S = 0.05
"""How often the worker looks whether it was cancelled while the coach thinks."""
ARCHIVED = "Archived: nothing to coach."


class _Stopped(Exception):
    """The panel no longer wants the answer: stop reading the stream."""


def advice_text(advice: Advice, *, streamed: str = "") -> Text:
    """The advice, then which coach answered (and why the model did not, when it was asked).

    Plain text through :func:`printable`: the advice names the habit, and a model may answer
    with anything, escape sequences included.
    """
    text = Text()
    if advice.source == "rules" and streamed:
        text.append(printable(f"The model's answer was dropped: {advice.fallback_reason}.") + "\n", style="yellow")
    text.append(printable(advice.text, multiline=True))
    text.append("\n")
    if advice.source == "ollama":
        text.append(printable(f"— Ollama ({advice.model})"), style="dim")
    else:
        why = f" (Ollama not used: {advice.fallback_reason})" if advice.fallback_reason and not streamed else ""
        text.append(printable(f"— built-in coach{why}"), style="dim")
    return text


class CoachPanel(Static):
    DEFAULT_CSS = """
    CoachPanel {
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.facts: HabitFacts | None = None
        self.advice: Advice | None = None
        self.streamed = ""
        self.token = 0

    def show(self, facts: HabitFacts | None, settings: Settings, *, archived: bool = False) -> None:
        """Coach this habit (again only if its facts changed since the last time)."""
        if facts is None or facts == self.facts:
            return
        self.facts = facts
        self.token += 1
        self.advice = None
        self.streamed = ""
        self.workers.cancel_group(self, "coach")
        if archived:
            self.update(Text(ARCHIVED, style="dim"))
            return
        if facts.period_lost:
            # Not "at risk" and not "nothing to coach": the period is lost, and the coach says so plainly.
            self.update(Text(printable(rule_advice(facts), multiline=True)))
            return
        if not facts.at_risk:
            self.update(Text(NOT_AT_RISK, style="dim"))
            return
        self.update(Text(ASKING, style="dim italic"))
        token = self.token
        self.run_worker(
            lambda: self._ask(facts, settings, token),
            name="coach",
            group="coach",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    # ----- off the UI thread --------------------------------------------------------------------
    def _ask(self, facts: HabitFacts, settings: Settings, token: int) -> None:
        """The worker: waits for the coach, and gives up on it as soon as the panel goes away.

        The coach itself runs on a daemon thread: a model that is still thinking when the user
        quits must not keep the app open until its timeout.
        """
        worker = get_current_worker()
        answers: list[Advice] = []
        finished = threading.Event()

        def chunk(piece: str) -> None:
            if worker.is_cancelled:
                raise _Stopped
            try:
                posted = self.post_message(CoachChunk(token, piece))
            except RuntimeError:  # the app has already shut down
                posted = False
            if not posted:
                raise _Stopped

        def consult() -> None:
            try:
                with open_coach(settings) as coach:
                    answers.append(coach.advise(facts, on_chunk=chunk))
            except _Stopped:
                pass
            except Exception as exc:  # a bad model setting must not cost the user the advice
                log.exception("the coach failed")
                answers.append(replace(open_coach(settings, rules_only=True).advise(facts), fallback_reason=str(exc)))
            finally:
                finished.set()

        threading.Thread(target=consult, name="habit-coach", daemon=True).start()
        while not finished.wait(WAIT_STEP_S):
            if worker.is_cancelled:
                return
        if answers and not worker.is_cancelled:
            self.post_message(CoachAnswered(token, answers[0]))

    # ----- on the UI thread ----------------------------------------------------------------------
    def on_coach_chunk(self, message: CoachChunk) -> None:
        message.stop()
        if message.token != self.token:
            return
        self.streamed += message.text
        self.update(Text(printable(self.streamed, multiline=True) + " …"))

    def on_coach_answered(self, message: CoachAnswered) -> None:
        message.stop()
        if message.token != self.token:
            return
        self.advice = message.advice
        self.update(advice_text(message.advice, streamed=self.streamed))

    def on_unmount(self) -> None:
        self.token += 1  # whatever is still on its way is dropped
