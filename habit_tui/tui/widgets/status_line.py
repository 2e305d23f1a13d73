"""One line under the board: the day, how today is going, the days shown, and the sync state.

The sync state (:class:`SyncStatus`, from the app's background sync) is shown at the right:
``local only``, ``syncing…``, ``synced 14:02``, ``offline``, ``sync error``.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

from habit_tui.services.board import Board
from habit_tui.tui.messages import SyncStatus


def summary(board: Board, showing_archived: bool, days: list[date] | None = None) -> Text:
    """``◀ 05 Jun to 11 Jun  t: today · Wed 18 Jun 2025 · 2/3 done today``: ``days`` are the ones shown."""
    active = [r for r in board.rows if not r.habit.archived]
    due = [r for r in active if r.stats.due_today or r.stats.done_today]
    done = sum(1 for r in active if r.stats.done_today)
    risk = sum(1 for r in active if r.stats.at_risk)
    text = Text()
    if board.last != board.today:
        first, last = (days[0], days[-1]) if days else (board.first, board.last)
        text.append(f"◀ {_span(first, last)}", style="bold yellow")
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
    return f"{first:%d %b} to {last:%d %b}"


def sync_text(status: SyncStatus) -> Text:
    match status.state:
        case "local":
            return Text("local only", style="dim")
        case "syncing":
            return Text("syncing…", style="dim")
        case "synced":
            return Text(f"synced {status.at:%H:%M}" if status.at else "synced", style="dim")
        case "offline":
            return Text("offline", style="yellow")
        case "error":
            return Text("sync error", style="bold red")


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
    sync: reactive[SyncStatus] = reactive(SyncStatus("local"), layout=False)

    def on_mount(self) -> None:
        known = getattr(self.app, "sync_status", None)  # a status that came before this line existed
        if isinstance(known, SyncStatus):
            self.sync = known

    def render(self) -> RenderResult:
        right = sync_text(self.sync)
        room = max(0, self.size.width - right.cell_len - 1)
        line = self.left.copy()
        line.truncate(room, overflow="ellipsis")
        line.pad_right(room - line.cell_len + 1)
        return line + right
