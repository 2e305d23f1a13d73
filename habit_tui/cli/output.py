"""The one output path of every command: JSON for scripts, or text and tables for people.

A command hands :func:`output` its result twice: as JSON-ready data (built only for ``--json``)
and as what a person reads: a message, or tables (:mod:`habit_tui.cli.tables`). User text (names,
notes, tags) always goes in as :class:`rich.text.Text` made by :func:`~habit_tui.cli.tables.literal`,
never as markup: a habit called ``[red]x`` is printed as typed. Every message, cell and line of
user text passes through the domain's :func:`~sync_protocol.domain.text.printable`, so text stored
before the text rule (an escape sequence in a note) is shown escaped, never sent to the terminal.
Results go to stdout; errors go to stderr (``main``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from habit_tui.settings import Settings
from sync_protocol.domain.text import printable

if TYPE_CHECKING:
    from rich.console import Console

Human = str | Callable[["Console"], None]
"""A line to print, or a function that prints on a console."""


def say(line: str, *, stderr: bool = False, flush: bool = False) -> None:
    """A message for people (user text in it shown through :func:`printable`)."""
    stream = sys.stderr if stderr else sys.stdout
    stream.write(printable(line, multiline=True) + "\n")
    if flush:
        stream.flush()


def warn(text: str) -> None:
    """One ``habit: warning: ...`` line on stderr: the command goes on (errors are ``main``'s)."""
    say(f"habit: warning: {text}", stderr=True)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def output(settings: Settings, *, as_json: bool, data: Callable[[], Any], human: Human) -> None:
    """Print a command's result: ``data()`` as JSON with ``--json``, else ``human``."""
    if as_json:
        emit_json(data())
    elif isinstance(human, str):
        say(human)
    else:
        human(console(settings))


def console(settings: Settings, *, stderr: bool = False) -> Console:
    """A console on stdout (or stderr): the terminal's width, or ``COLUMNS`` (120) when piped."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    interactive = stream.isatty()
    return Console(
        file=stream,
        width=None if interactive else settings.columns,
        highlight=False,
        soft_wrap=not interactive,
        markup=False,
        emoji=False,
    )
