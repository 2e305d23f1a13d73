"""Run every benchmark in this folder, one after another (``just bench``).

Each script prints its own Markdown table; copy the numbers into BENCHMARKS.md with the machine.
Scripts that need services (the server benchmark needs PostgreSQL and Redis) say so and skip.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = [
    "cli_bench.py",
    "tui_startup.py",
    "report_bench.py",
    "coach_bench.py",
    "server_push.py",
    "server_ratio.py",
    "worker_bench.py",
    "report_post_bench.py",
]


def main() -> int:
    failures = 0
    for name in ORDER:
        script = HERE / name
        if not script.exists():
            continue
        print(f"\n## {name}\n", flush=True)
        code = subprocess.run([sys.executable, str(script)], check=False).returncode
        failures += code != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
