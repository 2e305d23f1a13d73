"""Tables for people: rows of a command's result, one :class:`Column` spec per column.

A plain ``str`` cell is literal text, never markup, shown through :func:`literal`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, NamedTuple, TypeVar

from rich.table import Table
from rich.text import Text

from sync_protocol.domain.text import printable

R = TypeVar("R")


def literal(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """User text as a person reads it: never markup, and what the text rule refuses shown escaped."""
    return Text(printable(text, multiline=multiline), style=style)


class Column(NamedTuple, Generic[R]):
    header: str
    cell: Callable[[R], Text | str]
    right: bool = False
    wrap: bool = False


def table(rows: Sequence[R], columns: Sequence[Column[R]], *, header: bool = True) -> Table:
    """A borderless table of ``rows``."""
    out = Table(box=None, pad_edge=False, header_style="bold", show_header=header)
    for col in columns:
        out.add_column(col.header, justify="right" if col.right else "left", no_wrap=not col.wrap)
    for row in rows:
        out.add_row(*(_text(col.cell(row)) for col in columns))
    return out


def _text(value: Text | str) -> Text:
    return value if isinstance(value, Text) else literal(value)
