"""Latency of ``POST /api/v1/reports`` under 50 concurrent clients, with report delivery on.

Starts moto (as ``bench/worker_bench.py`` does) and ``habit-server --workers 2`` with the delivery
settings (as ``bench/server_push.py`` starts it, on a database and Redis prefix of this run's own):
a POST only stores a ``queued`` row and sends an SQS job (a 202 says SQS has it); nothing is
rendered. A drain empties the queue as workers would (see :class:`Drain`). Each
client is its own user on a keep-alive connection (``bench/server_push.py``'s load client). Two
phases: **paced**, each client asking at a steady ``--rate / --clients`` requests per second (people
asking for a report now and then); then **flat out**, each client asking again as soon as it has
its answer. Latency is from sending a request to reading its answer.

    uv run python bench/report_post_bench.py [--clients 50] [--rate 50] [--seconds 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server_push import Client, RawConnection, _account, _free_port, running, start_habit_server
from bench.worker_bench import Moto, baseline, machine, stores_and_moto

BODY = b'{"period": "week"}'


async def _phase(base: str, users: list[Client], seconds: float, interval: float) -> dict[str, Any]:
    """Every user posts for ``seconds``, one request each ``interval`` seconds (0: back to back)."""
    url = httpx.URL(base)
    latencies: list[float] = []
    errors: Counter[int] = Counter()

    async def one(user: Client) -> None:
        conn = RawConnection(url.host, url.port or 80)
        await conn.post("/api/v1/reports", user.headers, BODY)  # connect and warm up
        stop_at = time.perf_counter() + seconds
        due = time.perf_counter() + random.uniform(0, interval)
        while True:
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            if time.perf_counter() >= stop_at:
                return
            began = time.perf_counter()
            status = await conn.post("/api/v1/reports", user.headers, BODY)
            if status == 202:
                latencies.append(time.perf_counter() - began)
            else:
                errors[status] += 1
            due += interval

    began = time.perf_counter()
    await asyncio.gather(*(one(u) for u in users))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": ", ".join(f"{n} x {status}" for status, n in sorted(errors.items())) or "0",
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
    }


class Drain:
    """Empties the queue every 0.2 s in a thread, as workers would keep it short (moto's SendMessage
    and ReceiveMessage cost more with every message waiting, which real SQS's do not)."""

    def __init__(self, moto: Moto) -> None:
        self.sqs, self.url = moto.client("sqs"), moto.queue_url
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.wait(0.2):
            self.sqs.purge_queue(QueueUrl=self.url)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(30)


async def _run(base: str, clients: int, rate: float, seconds: float) -> tuple[dict[str, Any], dict[str, Any]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        users = [await _account(http) for _ in range(clients)]
    paced = await _phase(base, users, seconds, clients / rate)
    flat = await _phase(base, users, seconds, 0.0)
    return paced, flat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second of all clients, paced phase")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    python_pass = baseline()
    with stores_and_moto() as both:
        if both is None:
            return 0
        stores, moto = both
        os.environ.update(moto.env())
        port = _free_port()
        drain = Drain(moto)
        try:
            with running([start_habit_server(stores.url, stores.redis_url, stores.prefix, port, args.workers)]):
                paced, flat = asyncio.run(_run(f"http://127.0.0.1:{port}", args.clients, args.rate, args.seconds))
        finally:
            drain.stop()

    print(machine(python_pass))
    print(f"habit-server --workers {args.workers}, PostgreSQL + Redis + moto on loopback, {args.clients} clients\n")
    print("| `POST /api/v1/reports` (queued to SQS) | req/s | p50 | p99 | errors | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, r in ((f"paced, {args.rate:.0f} req/s in all", paced), ("flat out", flat)):
        print(
            f"| {label}, {args.seconds:.0f} s | {r['rps']:.0f} | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms "
            f"| {r['errors']} | p99 <= 20 ms |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
