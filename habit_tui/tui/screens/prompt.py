"""A one-line prompt in a small modal (a value for a measurable habit, a note)."""

from __future__ import annotations

import math
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from habit_tui.tui.widgets.error_line import ErrorLine


class PromptScreen(ModalScreen[str | None]):
    """Dismisses with the text typed (enter) or None (escape). ``number`` checks for a value >= 0."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, *, value: str = "", hint: str = "", placeholder: str = "", number: bool = False):
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.value = value
        self.hint = hint
        self.placeholder = placeholder
        self.number = number

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="question")
            yield Input(self.value, placeholder=self.placeholder, id="answer", select_on_focus=True)
            yield ErrorLine(id="prompt-error")
            yield Static(self.hint, classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if self.number and text:
            error = number_error(text)
            if error:
                self.query_one("#prompt-error", ErrorLine).say(error)
                return
        self.dismiss(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#prompt-error", ErrorLine).say("")

    def action_cancel(self) -> None:
        self.dismiss(None)


def number_error(text: str) -> str:
    """Why ``text`` is not a value a habit can take ('' when it is)."""
    try:
        value = float(text)
    except ValueError:
        return f"'{text}' is not a number"
    if not math.isfinite(value) or value < 0:
        return "enter a number of 0 or more"
    return ""
