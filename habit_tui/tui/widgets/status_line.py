"""One line under the board: the day, how today is going, the days shown, and the sync state.

Sync hook: the app's ``sync_state`` reactive (a short text such as ``local only`` or
``synced 2 min ago``) is shown at the right; a sync engine sets it, from any thread, with
``app.call_from_thread(setattr, app, "sync_state", text)``.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

from habit_tui.services.board import Board


def summary(board: Board, showing_archived: bool) -> Text:
    active = [r for r in board.rows if not r.habit.archived]
    due = [r for r in active if r.stats.due_today or r.stats.done_today]
    done = sum(1 for r in active if r.stats.done_today)
    risk = sum(1 for r in active if r.stats.at_risk)
    text = Text()
    if board.last != board.today:
        text.append(f"◀ {_span(board.first, board.last)}", style="bold yellow")
        text.append("  t: today  ·  ", style="yellow")
    text.append(board.today.strftime("%a %d %b %Y"), style="bold")
    if active:
        text.append(f"  ·  {done}/{len(due)} done today" if due else "  ·  nothing due today")
    if risk:
        text.append(f"  ·  {risk} at risk", style="bold red")
    if board.archived:
        text.append(f"  ·  {board.archived} archived" + (" shown" if showing_archived else " (z)"), style="dim")
    return text


def _span(first: date, last: date) -> str:
    return f"{first:%d %b} – {last:%d %b}"


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    """

    left: reactive[Text] = reactive(Text, layout=False)
    sync_state: reactive[str] = reactive("")

    def on_mount(self) -> None:
        self.watch(self.app, "sync_state", self._sync_changed, init=True)

    def _sync_changed(self, value: str) -> None:
        self.sync_state = value

    def render(self) -> RenderResult:
        right = Text(self.sync_state, style="dim")
        room = max(0, self.size.width - right.cell_len - 1)
        line = self.left.copy()
        line.truncate(room, overflow="ellipsis")
        line.pad_right(room - line.cell_len + 1)
        return line + right
