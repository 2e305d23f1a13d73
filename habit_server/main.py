"""The ``habit-server`` command (the server arrives with its issue)."""

from __future__ import annotations

import sys


def main() -> None:
    print("habit-server: not built yet", file=sys.stderr)
    raise SystemExit(1)
