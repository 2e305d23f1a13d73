"""The command line and the full-screen app format what the services decide: they never touch the store.

import-linter forbids importing ``habit_tui.store`` from ``cli``/``tui``; this test also catches
reaching it through a session (``s.store``, ``session.store``) or its SQLite connection.
"""

from __future__ import annotations

import ast
from pathlib import Path

import habit_tui

ROOT = Path(habit_tui.__file__).parent
UI_PACKAGES = ("cli", "tui")
STORE_NAMES = {"store", "_store", "Store", "conn"}


def store_uses(path: Path) -> list[str]:
    """Every place in ``path`` that names the store, its connection or the store package."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Attribute) and node.attr in STORE_NAMES:
            found.append(f"{path}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id in STORE_NAMES:
            found.append(f"{path}:{node.lineno}: {node.id}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("habit_tui.store"):
            found.append(f"{path}:{node.lineno}: from {node.module}")
    return found


def ui_modules() -> list[Path]:
    return sorted(p for package in UI_PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_ui_never_touches_the_store() -> None:
    assert len(ui_modules()) > 20  # the scan sees the real packages
    assert [use for path in ui_modules() for use in store_uses(path)] == []


def test_the_scan_catches_each_way_in(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from habit_tui.store.repository import Store\ndef f(s):\n    s.store.habits()\n    return Store\n"
    )
    assert sorted(use.split(": ", 1)[1] for use in store_uses(sample)) == [
        ".store",
        "Store",
        "from habit_tui.store.repository",
    ]
