"""CPU time of process trees and of a database's PostgreSQL backends, read from /proc (Linux).

On a shared machine requests per second drift with whatever else runs; the CPU a request costs
(server, PostgreSQL and Redis together) drifts far less, so the ratio benchmark reports both.
"""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def cpu_by_pid(pids: set[int]) -> dict[int, float]:
    """User + system CPU seconds of each of ``pids`` that is still running."""
    out = {}
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            out[pid] = (int(fields[11]) + int(fields[12])) / _TICK
    return out


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings of :func:`cpu_by_pid`: a process that started in between
    counts whole (a database backend a pool opened during the phase), one that ended counts nothing."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def tree(root: int) -> set[int]:
    """``root`` and its descendants now."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    found = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def named(name: str) -> set[int]:
    """Processes whose command is ``name`` (``redis-server``)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if comm == name:
                out.add(int(entry.name))
    return out


def available() -> bool:
    return Path("/proc/self/stat").exists()


def titled(part: str) -> set[int]:
    """Processes whose command line holds ``part``: PostgreSQL names each backend's database in its
    title (``postgres: postgres habit_bench_1a2b 127.0.0.1(5123) idle``)."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if part in line:
                out.add(int(entry.name))
    return out
