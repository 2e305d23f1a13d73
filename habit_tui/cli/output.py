"""One output path: JSON for scripts, rich tables for people, errors to stderr."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    interactive = stream.isatty()
    return Console(
        file=stream,
        width=None if interactive else int(os.environ.get("COLUMNS", "120")),
        highlight=False,
        soft_wrap=not interactive,
    )


def say(message: str) -> None:
    """A short confirmation for people (stdout)."""
    sys.stdout.write(message + "\n")
