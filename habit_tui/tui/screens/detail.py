"""One habit in depth: streaks, a year heatmap, the score over time, weekly and monthly rates, notes."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from habit_tui.errors import NotFoundError
from habit_tui.services.checkins import describe
from habit_tui.services.context import Session
from habit_tui.services.habits import current_habit
from habit_tui.services.reporting import habit_facts_for
from habit_tui.services.views import HabitDetail, habit_detail, rate_by
from habit_tui.tui.backend import backend_of
from habit_tui.tui.messages import ArchiveRequested, DeleteRequested, DetailLoaded, EditRequested, Rates
from habit_tui.tui.widgets.coach_panel import CoachPanel
from habit_tui.tui.widgets.heatmap import Heatmap
from habit_tui.tui.widgets.score_chart import ScoreChart
from sync_protocol.domain.habit import Habit, format_rate
from sync_protocol.domain.stats import effective_start
from sync_protocol.domain.text import printable

RATE_PERIODS = 12
MAX_NOTES = 100
"""A rate when nothing was due (``–`` marks a skipped day, and only that)."""


def rate_style(rate: float | None) -> str:
    if rate is None:
        return "dim"
    return "green" if rate >= 0.8 else "yellow" if rate >= 0.5 else "red"


def rates_text(title: str, rates: Rates, label: str, width: int) -> Text:
    """A heading, then one column per period: its label over its completion rate."""
    fit = max(1, (width - 10) // 5)
    shown = rates[-fit:]
    top = Text(f"{title:<10}", style="bold")
    bottom = Text(" " * 10)
    for start, rate in shown:
        top.append(f"{start.strftime(label) if label != 'W' else 'W' + format(start.isocalendar()[1], '02')!s:>4} ")
        bottom.append(f"{format_rate(rate):>4} ", style=rate_style(rate))
    if not shown:
        bottom.append("no finished periods yet", style="dim")
    return top + Text("\n") + bottom


def summary_text(d: HabitDetail) -> Text:
    h, s = d.habit, d.stats
    text = Text()
    text.append(printable(h.name), style="bold")
    if h.archived:
        text.append("  (archived)", style="italic dim")
    since = effective_start(h, d.checkins)
    text.append(
        printable(
            f"\n{h.goal_text()} · {h.schedule.describe()} ({h.schedule}) · since {since:%d %b %Y}", multiline=True
        )
    )
    if h.tags:
        text.append(printable("  #" + " #".join(h.tags)), style="cyan")
    if h.description:
        text.append("\n" + printable(h.description, multiline=True), style="italic")
    unit = h.schedule.unit
    text.append("\n\n")
    text.append("Current streak ", style="dim")
    text.append(unit.text(s.current_streak), style="bold")
    text.append("   Best ", style="dim")
    text.append(unit.text(s.best_streak), style="bold")
    text.append("   Score ", style="dim")
    text.append(f"{s.score:.0%}", style="bold")
    text.append("   Completion ", style="dim")
    text.append(format_rate(s.completion_rate), style="bold")
    text.append("   Done ", style="dim")
    text.append(f"{s.total_done}×", style="bold")
    if s.at_risk:
        text.append("   at risk: do it today", style="bold red")
    return text


def notes_text(d: HabitDetail) -> Text:
    noted = [c for c in reversed(d.checkins) if c.note]
    if not noted:
        return Text("No notes yet: press n on a day of the board to write one.", style="dim")
    text = Text()
    for c in noted[:MAX_NOTES]:
        text.append(f"{c.date:%a %d %b %Y}  ", style="dim")
        said = describe(d.habit, c)
        text.append(f"{printable(said):<12} ", style="cyan" if c.skipped else "dim" if said == "not done" else "green")
        text.append(printable(c.note, multiline=True) + "\n")
    if len(noted) > MAX_NOTES:
        text.append(f"… and {len(noted) - MAX_NOTES} older notes", style="dim")
    text.rstrip()
    return text


class DetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,backspace", "back", "Back"),
        Binding("e", "edit", "Edit"),
        Binding("A", "archive", "Archive"),
        Binding("D", "delete", "Delete", show=False),
        Binding("question_mark", "app.help", "Help", key_display="?"),
    ]

    def __init__(self, habit: Habit) -> None:
        super().__init__()
        self.habit = habit
        self.detail: HabitDetail | None = None
        self.weekly: Rates = []
        self.monthly: Rates = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(Text(printable(self.habit.name), style="bold"), id="summary")
            yield Static("Coach", classes="section")
            yield CoachPanel(id="coach")
            yield Static("Last year", classes="section")
            yield Heatmap(id="heatmap")
            yield Static("Score over the last year", classes="section")
            yield ScoreChart(id="score")
            yield Static("Completion", classes="section")
            yield Static("", id="rates")
            yield Static("Notes", classes="section")
            yield Static("", id="notes")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()

    def refresh_data(self) -> None:
        hid = self.habit.id

        def job(s: Session) -> DetailLoaded:
            try:
                habit = current_habit(s, hid)
            except NotFoundError:
                return DetailLoaded(None, [], [])
            d = habit_detail(s, habit)
            return DetailLoaded(
                d,
                rate_by(d, "week", RATE_PERIODS, s.today),
                rate_by(d, "month", RATE_PERIODS, s.today),
                habit_facts_for(s, habit),
            )

        backend_of(self).submit(self, job)

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        d = message.detail
        if d is None:
            self.notify(f"'{self.habit.name}' no longer exists.", severity="warning", markup=False)
            self.dismiss()
            return
        self.detail, self.habit = d, d.habit
        self.weekly, self.monthly = message.weekly, message.monthly
        self.query_one("#summary", Static).update(summary_text(d))
        self.query_one(Heatmap).set_data(d.habit, d.checkins, backend_of(self).today)
        self.query_one(ScoreChart).set_series(d.score_series)
        self._draw_rates()
        self.query_one("#notes", Static).update(notes_text(d))
        self.query_one(CoachPanel).show(message.facts, backend_of(self).settings, archived=d.habit.archived)

    def on_resize(self) -> None:
        self._draw_rates()

    def _draw_rates(self) -> None:
        width = self.size.width - 2
        text = rates_text("Weekly", self.weekly, "W", width)
        text.append("\n\n")
        text.append_text(rates_text("Monthly", self.monthly, "%b", width))
        self.query_one("#rates", Static).update(text)

    def action_back(self) -> None:
        self.dismiss()

    def action_edit(self) -> None:
        self.post_message(EditRequested(self.habit))

    def action_archive(self) -> None:
        self.post_message(ArchiveRequested(self.habit))

    def action_delete(self) -> None:
        self.post_message(DeleteRequested(self.habit))
