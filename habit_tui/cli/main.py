"""Entry point of the ``habit`` command: run the group, and turn every failure into one line on stderr."""

from __future__ import annotations

import sys

from habit_tui.cli.app import app
from habit_tui.errors import HabitError
from sync_protocol.domain.errors import DomainError
from sync_protocol.domain.text import printable


def main() -> None:
    try:
        app()
    except (HabitError, DomainError) as exc:
        sys.stderr.write(f"habit: error: {printable(str(exc))}\n")
        raise SystemExit(exc.exit_code if isinstance(exc, HabitError) else 1) from None
    except KeyboardInterrupt:
        sys.stderr.write("habit: interrupted\n")
        raise SystemExit(130) from None
    except BrokenPipeError:
        raise SystemExit(0) from None
    except Exception as exc:
        from habit_tui.settings import debug_enabled

        if debug_enabled():
            raise
        said = printable(f"{type(exc).__name__}: {exc}")
        sys.stderr.write(f"habit: internal error: {said} (set HABIT_DEBUG=1 for details)\n")
        raise SystemExit(1) from None
