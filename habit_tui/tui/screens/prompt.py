"""A one-line prompt in a small modal (a value for a measurable habit, a note).

The title, hint and value are shown as plain text (a habit called ``Plan [/b]`` is not markup),
through :func:`~sync_protocol.domain.text.printable`. What is typed is checked here, with the
same rules the save will apply: on an error the dialog stays open with what was typed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from habit_tui.tui.widgets.error_line import ErrorLine
from habit_tui.tui.widgets.ordered_input import OrderedInput
from sync_protocol.domain.checkin import NOTE, check_amount
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.text import printable

Check = Callable[[str], str]
"""Why a typed text cannot be saved ('' when it can)."""


class PromptScreen(ModalScreen[str | None]):
    """Dismisses with the text typed (enter) or None (escape); ``check`` keeps it open on an error.

    The value given is shown escaped where the text rule would refuse it; submitting it unchanged
    is never an error (it is what is stored).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, title: str, *, value: str = "", hint: str = "", placeholder: str = "", check: Check | None = None
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = printable(title)
        self.value = printable(value)
        self.hint = printable(hint)
        self.placeholder = printable(placeholder)
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="question", markup=False)
            yield OrderedInput(self.value, placeholder=self.placeholder, id="answer", select_on_focus=True)
            yield ErrorLine(id="prompt-error")
            yield Static(self.hint, classes="hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if self.check is not None and text != self.value.strip():
            error = self.check(text)
            if error:
                self.query_one("#prompt-error", ErrorLine).say(error)
                return
        self.dismiss(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#prompt-error", ErrorLine).say("")

    def action_cancel(self) -> None:
        self.dismiss(None)


def number_error(text: str) -> str:
    """Why ``text`` is not a number of 0 or more ('' when it is)."""
    try:
        value = float(text)
    except ValueError:
        return f"'{text}' is not a number"
    if not math.isfinite(value) or value < 0:
        return "enter a number of 0 or more"
    return ""


def value_error(text: str) -> str:
    """Why ``text`` is not a check-in's value ('' when it is; empty clears the day)."""
    if not text:
        return ""
    problem = number_error(text)
    if problem:
        return problem
    try:
        check_amount(float(text))
    except DomainError as exc:
        return str(exc)
    return ""


def note_error(text: str) -> str:
    """Why ``text`` cannot be a note ('' when it can; empty removes the note)."""
    try:
        NOTE.clean(text)
    except DomainError as exc:
        return str(exc)
    return ""
