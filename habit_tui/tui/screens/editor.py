"""Add or edit a habit in a modal form, with inline validation and a live schedule preview.

An edited habit's text fields show its text through :func:`printable` (escaped where the text rule
would refuse it); a field left as it was is not saved, so text stored before the rule stays as it
is unless it is edited (and then the rule checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from habit_tui.services import habits as svc
from habit_tui.services.context import Session
from habit_tui.services.habits import HabitDraft
from habit_tui.tui.backend import backend_of
from habit_tui.tui.messages import JobFailed
from habit_tui.tui.screens.prompt import number_error
from habit_tui.tui.widgets.error_line import ErrorLine
from habit_tui.tui.widgets.ordered_input import OrderedInput
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.habit import Habit, format_number
from sync_protocol.domain.schedule import SCHEDULE_EXAMPLES, Schedule
from sync_protocol.domain.text import printable

COLOURS = ("red", "green", "yellow", "blue", "magenta", "cyan", "purple", "dark_orange", "white")
YES_NO, MEASURABLE = "yes_no", "measurable"


@dataclass(frozen=True, slots=True)
class EditorResult:
    action: Literal["saved", "archive", "delete"]
    habit: Habit


class Saved(Message):
    def __init__(self, habit: Habit) -> None:
        super().__init__()
        self.habit = habit


class NamesLoaded(Message):
    def __init__(self, names: dict[str, str]) -> None:
        super().__init__()
        self.names = names


@dataclass(frozen=True, slots=True)
class Form:
    """What the form holds, checked; ``errors`` maps an error line's id to a message."""

    draft: HabitDraft
    errors: dict[str, str]


ERROR_SLOTS = {"target": "goal", "unit": "goal", "kind": "goal", "direction": "goal", "color": "form"}
"""The error line under which a field's problem shows (the goal's fields share one)."""


def colour_options(current: str) -> list[tuple[Text, str]]:
    names = list(COLOURS)
    if current and current not in names:
        names.append(current)
    options = [(Text("none"), "")]
    for name in names:
        swatch = Text("■ ", style=name if not name.startswith("#") or len(name) == 7 else "")
        options.append((swatch + Text(name), name))
    return options


def schedule_preview(text: str) -> tuple[str, bool]:
    """(what the schedule means, True) or (why it is wrong, False)."""
    try:
        return Schedule.parse(text).describe(), True
    except DomainError as exc:
        return str(exc), False


class EditorScreen(ModalScreen[EditorResult | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, habit: Habit | None) -> None:
        super().__init__(classes="dialog-screen")
        self.habit = habit
        self.names: dict[str, str] = {}
        self.touched: set[str] = set()
        self.saving = False
        self.initial: dict[str, str] = {}
        """An edited habit's text fields as first shown: a field still holding it is not saved."""
        if habit is not None:
            self.initial = {
                "name": printable(habit.name),
                "unit": printable(habit.unit),
                "schedule": str(habit.schedule),
                "description": printable(habit.description),
                "tags": printable(", ".join(habit.tags)),
            }

    # ----- layout ------------------------------------------------------------
    def compose(self) -> ComposeResult:
        h = self.habit
        shown = self.initial
        measurable = h is not None and h.is_measurable
        with Vertical(classes="dialog editor"):
            title = Text.assemble("Edit ", (shown["name"], "bold")) if h else Text("New habit")
            yield Static(title, classes="question")
            with VerticalScroll(id="fields"):
                with Horizontal(classes="row"):
                    yield Label("Name")
                    yield OrderedInput(shown.get("name", ""), placeholder="e.g. Read 20 pages", id="name", compact=True)
                yield ErrorLine(id="name-error")
                with Horizontal(classes="row"):
                    yield Label("Kind")
                    yield Select(
                        [("yes / no: done or not", YES_NO), ("measurable: a number a day", MEASURABLE)],
                        value=MEASURABLE if measurable else YES_NO,
                        allow_blank=False,
                        id="kind",
                        disabled=measurable,
                        compact=True,
                    )
                with Horizontal(classes="row", id="goal"):
                    yield Label("Goal")
                    yield Select(
                        [("at least", "at_least"), ("at most", "at_most")],
                        value=h.target_type.value if h else "at_least",
                        allow_blank=False,
                        id="direction",
                        compact=True,
                    )
                    yield OrderedInput(
                        format_number(h.target) if measurable and h else "",
                        placeholder="target",
                        id="target",
                        compact=True,
                    )
                    yield OrderedInput(shown.get("unit", ""), placeholder="unit, e.g. glasses", id="unit", compact=True)
                yield ErrorLine(id="goal-error")
                with Horizontal(classes="row"):
                    yield Label("Schedule")
                    yield OrderedInput(
                        str(h.schedule) if h else "daily",
                        placeholder=" · ".join(SCHEDULE_EXAMPLES),
                        id="schedule",
                        compact=True,
                    )
                yield Static("", id="schedule-preview")
                with Horizontal(classes="row"):
                    yield Label("Description")
                    yield OrderedInput(
                        shown.get("description", ""), placeholder="optional", id="description", compact=True
                    )
                yield ErrorLine(id="description-error")
                with Horizontal(classes="row"):
                    yield Label("Tags")
                    yield OrderedInput(
                        shown.get("tags", ""),
                        placeholder="comma separated, e.g. health, morning",
                        id="tags",
                        compact=True,
                    )
                yield ErrorLine(id="tags-error")
                with Horizontal(classes="row"):
                    yield Label("Colour")
                    yield Select(
                        colour_options(h.color if h else ""),
                        value=h.color if h else "",
                        allow_blank=False,
                        id="color",
                        compact=True,
                    )
            yield ErrorLine(id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Save ctrl+s", id="save", variant="primary", compact=True)
                yield Button("Cancel esc", id="cancel", compact=True)
                if h is not None:
                    yield Button(
                        "Bring back" if h.archived else "Archive", id="archive", variant="warning", compact=True
                    )
                    yield Button("Delete", id="delete", variant="error", compact=True)

    def on_mount(self) -> None:
        self._show_goal()
        self._preview()
        self.query_one("#name", Input).focus()
        backend_of(self).submit(self, lambda s: NamesLoaded(svc.habit_names(s)))

    def on_names_loaded(self, message: NamesLoaded) -> None:
        self.names = message.names

    # ----- live validation ---------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        field = event.input.id or ""
        self.touched.add(field)
        if field == "schedule":
            self._preview()
        else:
            self._show_errors(self.read_form(), only={_error_slot(field)})

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id in ("kind", "direction"):
            self._show_goal()

    def _show_goal(self) -> None:
        measurable = self.query_one("#kind", Select).value == MEASURABLE
        self.query_one("#goal").display = measurable
        if not measurable:
            self.query_one("#goal-error", ErrorLine).say("")
        at_most = self.query_one("#direction", Select).value == "at_most"
        self.query_one("#target", Input).placeholder = "target, e.g. 0" if at_most else "target, e.g. 8"

    def _preview(self) -> None:
        text, ok = schedule_preview(self.query_one("#schedule", Input).value)
        preview = self.query_one("#schedule-preview", Static)
        preview.update(Text("→ " + text) if ok else Text(text))
        preview.set_class(not ok, "bad")
        preview.set_class(ok, "preview")

    def read_form(self) -> Form:
        def value(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        def changed(field: str) -> str | None:
            """The field's text, or None when an edited habit's field still shows what it holds."""
            text = value(field)
            return None if self.initial.get(field) == text else text

        errors: dict[str, str] = {}
        measurable = self.query_one("#kind", Select).value == MEASURABLE
        target: float | None = None
        if measurable:
            raw = value("target").strip()
            if not raw:
                errors["goal"] = "a measurable habit needs a target number"
            elif problem := number_error(raw):
                errors["goal"] = problem
            else:
                target = float(raw)
        draft = HabitDraft(
            name=changed("name"),
            schedule=changed("schedule"),
            target=target,
            unit=changed("unit") if measurable else None,
            at_most=(self.query_one("#direction", Select).value == "at_most") if measurable else None,
            description=changed("description"),
            tags=changed("tags"),
            color=str(self.query_one("#color", Select).value),
            measurable=measurable,
        )
        values, problems = svc.draft_fields(draft, self.habit)
        for field, message in problems.items():
            errors.setdefault(ERROR_SLOTS.get(field, field), message)
        if "name" in values:
            taken = svc.name_taken(self.names, values["name"], self.habit.id if self.habit else None)
            if taken:
                errors.setdefault("name", taken)
        return Form(draft, errors)

    def _show_errors(self, form: Form, only: set[str] | None = None) -> None:
        for slot in ("name", "goal", "description", "tags", "form"):
            if only is not None and slot not in only:
                continue
            if only is not None and slot == "name" and "name" not in self.touched:
                continue
            self.query_one(f"#{slot}-error", ErrorLine).say(form.errors.get(slot, ""))
        if only is None:
            self._preview()

    # ----- actions -----------------------------------------------------------
    def action_save(self) -> None:
        if self.saving:
            return
        self.touched.add("name")
        form = self.read_form()
        self._show_errors(form)
        if form.errors:
            first = next(iter(form.errors))
            focus = {"goal": "target", "form": "color"}.get(first, first)
            self.query_one(f"#{focus}").focus()
            return
        self.saving = True
        habit = self.habit

        def job(s: Session) -> Saved:
            if habit is None:
                return Saved(svc.add_habit(s, form.draft))
            return Saved(svc.edit_habit(s, svc.current_habit(s, habit.id), form.draft))

        backend_of(self).submit(self, job)

    def on_saved(self, message: Saved) -> None:
        self.dismiss(EditorResult("saved", message.habit))

    def on_job_failed(self, message: JobFailed) -> None:
        message.stop()
        self.saving = False
        slot = "name" if "already exists" in message.error or "name" in message.error else "form"
        self.query_one(f"#{slot}-error", ErrorLine).say(message.error)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "cancel":
            self.dismiss(None)
        elif self.habit is not None and event.button.id in ("archive", "delete"):
            self.dismiss(EditorResult("archive" if event.button.id == "archive" else "delete", self.habit))


def _error_slot(field: str) -> str:
    return ERROR_SLOTS.get(field, field)
