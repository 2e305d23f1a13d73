"""Every key of the app, by screen (a test checks each binding is listed here)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Board",
        [
            ("↑ ↓ ← →  h j k l", "move (→ past the last day moves the days a day later)"),
            ("pgup pgdn home end", "a page up / down, the first / last habit"),
            ("space  enter", "toggle the day done; a measurable habit asks for a value"),
            ("s", "skip the day (keeps the streak); again to unskip"),
            ("n", "write a note on a day that is done or skipped"),
            ("[  ]", "show a week earlier / later, to fix past days"),
            ("t", "back to today"),
            ("i  enter on a name", "detail: heatmap, score chart, rates, notes"),
            ("a", "add a habit"),
            ("e", "edit the habit"),
            ("A", "archive the habit (bring it back if archived)"),
            ("D", "delete the habit and its history (asks first)"),
            ("K  J  shift+↑  shift+↓", "move the habit up / down"),
            ("z", "show or hide archived habits"),
            ("r  R", "PDF report of this week / month (current dir)"),
            ("mouse", "click a cell to select it, click again to toggle"),
            ("q", "quit"),
        ],
    ),
    (
        "Cells",
        [
            ("✓  8", "done (a number: the value of a measurable habit)"),
            ("–", "skipped"),
            ("·", "due, nothing yet; blank: not scheduled that day"),
            ("*", "the day has a note"),
            ("• !  ✓", "before a name: due today, at risk, done today"),
        ],
    ),
    (
        "Detail",
        [
            ("e", "edit the habit"),
            ("A", "archive the habit"),
            ("D", "delete the habit"),
            ("esc  q  backspace", "back to the board"),
        ],
    ),
    (
        "Editor",
        [
            ("tab  shift+tab", "next / previous field"),
            ("ctrl+s", "save"),
            ("esc", "cancel"),
        ],
    ),
    (
        "Everywhere",
        [
            ("?", "this help"),
            ("ctrl+p", "command palette: add, edit, detail, open a habit, report, theme…"),
            ("T", "switch between light and dark theme (remembered)"),
            ("ctrl+q", "quit"),
        ],
    ),
]


def help_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for i, (section, rows) in enumerate(HELP):
        if i:
            table.add_row("", "")
        table.add_row(Text(section, style="bold underline"), "")
        for keys, what in rows:
            table.add_row(keys, what)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self) -> None:
        super().__init__(classes="dialog-screen")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Static("Keys", classes="question")
            with VerticalScroll():
                yield Static(help_table())
            yield Static("esc closes", classes="hint")

    def action_close(self) -> None:
        self.dismiss()
