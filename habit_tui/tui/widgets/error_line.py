"""An inline validation message that takes no room while there is nothing to say."""

from __future__ import annotations

from textual.widgets import Static


class ErrorLine(Static):
    DEFAULT_CSS = """
    ErrorLine {
        color: $text-error;
        height: auto;
        display: none;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.message = ""

    def say(self, message: str) -> None:
        self.message = message
        self.update(message)
        self.display = bool(message)
