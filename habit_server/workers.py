"""Several uvicorn worker processes, each listening on the port with a socket of its own.

uvicorn's ``--workers`` shares one listening socket: the first worker to wake up accepts every
connection waiting at that moment, so a burst of clients can land 35 on one worker and 15 on
the other, and the busy worker's clients wait twice as long. Here every worker binds the port
with ``SO_REUSEPORT`` and the kernel spreads connections evenly. This supervisor restarts a
worker that dies, and stops them all gracefully on SIGTERM or SIGINT.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.context import SpawnProcess
from types import FrameType
from typing import Any

log = logging.getLogger("habit_server")

STARTUP_FAILURE = 3  # uvicorn's exit code when the app or socket cannot start
STOP_SECONDS = 10.0


def reuse_port_available() -> bool:
    return hasattr(socket, "SO_REUSEPORT") and os.name == "posix"


def _listener(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _check_port_free(host: str, port: int) -> None:
    """Without SO_REUSEPORT a bind fails if anything (another habit-server too) holds the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SystemExit(f"habit-server: cannot listen on {host}:{port}: {exc.strerror}") from None


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    import uvicorn

    config = uvicorn.Config(host=host, port=port, **options)
    try:
        sock = _listener(host, port)
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", host, port, exc.strerror)
        raise SystemExit(STARTUP_FAILURE) from None
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl+C once it has shut down gracefully
        uvicorn.Server(config).run(sockets=[sock])


def run(host: str, port: int, workers: int, options: dict[str, Any]) -> None:
    """Serve ``options["app"]`` with ``workers`` processes until SIGTERM or SIGINT."""
    _check_port_free(host, port)
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)

    def start() -> SpawnProcess:
        process = context.Process(target=_worker, args=(host, port, options), daemon=False)
        process.start()
        return process

    processes = [start() for _ in range(workers)]
    log.info("%d workers on http://%s:%d (pids %s)", workers, host, port, [p.pid for p in processes])
    while not stop.wait(0.5):
        for i, process in enumerate(processes):
            if process.is_alive():
                continue
            if process.exitcode == STARTUP_FAILURE:
                log.error("a worker failed to start (exit %s); stopping", process.exitcode)
                stop.set()
                break
            log.warning("worker %s exited with %s; starting another", process.pid, process.exitcode)
            processes[i] = start()
    _stop_all(processes, terminal_interrupt=signal.SIGINT in received)


def _stop_all(processes: list[SpawnProcess], *, terminal_interrupt: bool) -> None:
    """Ctrl+C reached the workers too (same process group): give them time to finish by themselves.
    A SIGTERM was sent to this process only (docker stop, systemd): pass it on."""
    if terminal_interrupt:
        deadline = time.monotonic() + STOP_SECONDS / 2
        while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
            time.sleep(0.1)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.warning("worker %s did not stop in time; killing it", process.pid)
            process.kill()
            process.join()
