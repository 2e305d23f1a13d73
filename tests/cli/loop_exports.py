"""Loop Habit Tracker CSV exports, shaped exactly as its exporter writes them.

Loop 2.3.1 and later (``HabitsCSVExporter``): ``Habits.csv`` with a ``Type`` column; one folder
per habit, ``NNN Name/`` (its position in the list, the name without other characters than
``[ a-zA-Z0-9._-]``), holding ``Checkmarks.csv`` (``Date,Value,Notes``: ``YES_MANUAL``,
``YES_AUTO``, ``NO``, ``SKIP``, ``UNKNOWN``, or a numerical habit's value times 1000, zero as
``NO``) and ``Scores.csv``; and at the root ``Checkmarks.csv`` and ``Scores.csv`` with a column
per habit (header names unquoted, every line ending in a comma), newest day first.

Before 2.3.1: ``Habits.csv`` has no ``Type``, ``Unit`` or target columns (``NumRepetitions`` and
``Interval`` for the frequency); the per-habit ``Checkmarks.csv`` has no header and no notes, and
its values are numbers: 2 yes, 1 yes (automatic), 0 no, -1 unknown, 3 skip, or value times 1000.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

CURRENT_HABITS_HEADER = (
    "Position,Name,Type,Question,Description,FrequencyNumerator,FrequencyDenominator,Color,Unit,"
    "Target Type,Target Value,Archived?"
)
OLD_HABITS_HEADER = "Position,Name,Question,Description,NumRepetitions,Interval,Color"


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (path relative to ``root``: text) and return ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def zipped(root: Path, target: Path) -> Path:
    """``root``'s files in a zip, as Loop's ``Loop Habits CSV <date>.zip``."""
    with zipfile.ZipFile(target, "w") as zf:
        for f in sorted(root.rglob("*.csv")):
            zf.write(f, str(f.relative_to(root)))
    return target


def current_export() -> dict[str, str]:
    """A Loop 2.3.1+ export (exported on 2026-11-23) of a yes/no, a numerical and an archived quit habit."""
    return {
        "Habits.csv": (
            f"{CURRENT_HABITS_HEADER}\n"
            "001,Meditate,YES_NO,Did you meditate today?,,1,1,#388E3C,,,,false\n"
            "002,Push ups,NUMERICAL,How many push ups?,,3,7,#1976D2,reps,AT_LEAST,20.0,false\n"
            "003,Coffee,NUMERICAL,How many cups?,,1,1,#5D4037,cups,AT_MOST,2.0,true\n"
        ),
        "001 Meditate/Checkmarks.csv": (
            "Date,Value,Notes\n2026-11-23,YES_MANUAL,calm\n2026-11-22,YES_MANUAL,\n2026-11-21,SKIP,\n"
            "2026-11-20,YES_AUTO,\n2026-11-19,NO,\n2026-11-18,YES_MANUAL,\n"
        ),
        "001 Meditate/Scores.csv": "Date,Score\n2026-11-23,0.1504\n2026-11-22,0.1049\n",
        "002 Push ups/Checkmarks.csv": "Date,Value,Notes\n2026-11-23,25000,\n2026-11-20,10000,tired\n",
        "002 Push ups/Scores.csv": "Date,Score\n2026-11-23,0.0900\n",
        "003 Coffee/Checkmarks.csv": "Date,Value,Notes\n2026-11-23,3000,\n",
        "003 Coffee/Scores.csv": "Date,Score\n2026-11-23,0.9480\n",
        "Checkmarks.csv": (
            "Date,Meditate,Push ups,Coffee,\n"
            "2026-11-23,YES_MANUAL,25000,3000,\n2026-11-22,YES_MANUAL,UNKNOWN,UNKNOWN,\n"
            "2026-11-21,SKIP,UNKNOWN,UNKNOWN,\n2026-11-20,YES_AUTO,10000,UNKNOWN,\n"
            "2026-11-19,NO,UNKNOWN,UNKNOWN,\n2026-11-18,YES_MANUAL,UNKNOWN,UNKNOWN,\n"
        ),
        "Scores.csv": "Date,Meditate,Push ups,Coffee,\n2026-11-23,0.1504,0.0900,0.9480,\n",
    }
