"""``habit-server worker`` and ``habit-server scheduler`` as real processes for the tests: their settings
for a moto server, their log lines as they come, their render processes, a clean stop or a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.server.aws import REGION, Aws
from tests.server.conftest import SECRET


def command_env(pg_url: str, **extra: str) -> dict[str, str]:
    """This environment without delivery settings, with the database and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SQS_", "S3_", "SES_", "REPORT_", "WORKER_"))}
    env.update(SECRET_KEY=SECRET, DATABASE_URL=pg_url, **extra)
    return env


def delivery_env(pg_url: str, aws: Aws, endpoint: str = "", **extra: str) -> dict[str, str]:
    """Settings for the queue, bucket and sender of ``aws``, reached at ``endpoint`` (default: moto itself)."""
    return command_env(
        pg_url,
        SQS_QUEUE_URL=aws.queue_url,
        SQS_DLQ_URL=aws.dlq_url,
        S3_BUCKET=aws.bucket,
        SES_SENDER=aws.sender,
        AWS_ENDPOINT_URL=endpoint or aws.url,
        AWS_REGION=REGION,
        SQS_WAIT_SECONDS="1",
        REPORT_PROCESSES="1",
        **extra,
    )


class Command:
    """``habit-server <name>`` in a process group of its own (with its render processes)."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from habit_server.main import main; main()", name],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def children(self) -> list[int]:
        """The processes this one started (its render processes), from /proc."""
        root = Path(f"/proc/{self.proc.pid}/task")
        try:
            return [int(c) for task in root.iterdir() for c in (task / "children").read_text().split()]
        except OSError:
            return []

    def signal_group(self, signum: int) -> None:
        """``signum`` to the whole group, as a terminal's Ctrl+C or systemd's stop sends it."""
        os.killpg(self.proc.pid, signum)

    def kill(self) -> None:
        """SIGKILL to this process alone (its render processes are left to notice)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(60)

    def wait(self, timeout: float = 120) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(10)
        return code

    def stop(self) -> int:
        """SIGTERM, then wait for the exit; whatever happens, nothing of the group is left running."""
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            return self.wait()
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def gone(pid: int) -> bool:
    """Whether a process has exited (a zombie left for its new parent to reap counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")
