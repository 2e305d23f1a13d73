"""An inline validation message that takes no room while there is nothing to say."""

from __future__ import annotations

from textual.widgets import Static

from sync_protocol.domain.text import printable


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
        """Show ``message`` as plain text (it may quote what was typed, or a stored name)."""
        self.message = message
        self.update(printable(message))
        self.display = bool(message)
