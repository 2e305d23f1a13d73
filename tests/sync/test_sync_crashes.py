"""Crashes and a server that goes back in time: nothing lost, nothing doubled, every device converges.

- ``kill -9`` of the real ``habit sync`` at random moments mid-push and mid-pull, then rerun
  (:mod:`tests.sync.crash`; ``tests/stress/kill_sync.py`` runs a thousand of these);
- the server's database restored from an older backup, with two devices that synced after it;
- the server "reset to empty": its database restored from a backup taken right after the
  accounts were made (the users and devices exist, no events).

The kill trials' randomness comes from one seed, printed on failure; ``HABIT_CRASH_SEED`` replays it.
"""

from __future__ import annotations

import os
import random
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync import crash
from tests.sync.conftest import Device, Server, free_port, new_username, start_server, stop, sync_server_env

TRIALS = 6
"""Kill trials per backend (besides the one that measures how long a sync takes); each lands in its own
slice of the sync; ``tests/stress/kill_sync.py`` runs hundreds."""
AIMED_TRIALS = 6
"""At most this many more, aimed at a phase (push, pull) that no kill landed in yet."""


def test_kill_9_mid_push_and_mid_pull_then_rerun_loses_and_doubles_nothing(sync_server: Server, tmp_path: Path) -> None:
    seed = int(os.environ.get("HABIT_CRASH_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    start, full, first = crash.calibrate(sync_server.url, tmp_path / "calibrate", rng.randrange(2**32))
    outcomes = [first]
    for i, delay in enumerate(crash.kill_delays(rng, TRIALS, start, full)):
        outcomes.append(crash.run_trial(sync_server.url, tmp_path / f"trial{i}", rng.randrange(2**32), delay))
    for i in range(AIMED_TRIALS):  # a phase no kill landed in yet: aim at it
        missing = [p for p in ("push", "pull") if not any(o.phase == p for o in outcomes)]
        if not missing:
            break
        delay = crash.aim(outcomes, missing[0], start, full, rng)
        outcomes.append(crash.run_trial(sync_server.url, tmp_path / f"aimed{i}", rng.randrange(2**32), delay))
    where = f"HABIT_CRASH_SEED={seed} ({sync_server.backend}; a sync takes {full:.2f}s, {start:.2f}s of it starting)"
    failed = [f"{o.describe()}: {'; '.join(o.violations)}" for o in outcomes if o.violations]
    assert not failed, where + "\n" + "\n".join(failed)
    phases = Counter(o.phase for o in outcomes)
    print(f"{where}: kills landed {dict(phases)}")
    assert phases["push"] and phases["pull"], f"{where}: no kill landed mid-push or mid-pull: {dict(phases)}"


class PrivateServer:
    """A ``habit-server`` on SQLite of this test's own, stopped and started on the same port, whose
    database file can be copied away (a backup) and put back (a restore)."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.db = root / "server.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = sync_server_env(DATABASE_URL=f"sqlite:///{self.db}")
        self.proc = start_server(self.port, self.env, log=root / "server.log")

    def stop(self) -> None:
        stop(self.proc)
        assert self.proc.returncode is not None

    def start(self) -> None:
        self.proc = start_server(self.port, self.env, log=self.root / "server.log")

    def _files(self, base: Path) -> list[Path]:
        return [base.with_name(base.name + suffix) for suffix in ("", "-wal", "-shm")]

    def backup(self, name: str) -> None:
        """Stop, copy the database away, start again."""
        self.stop()
        for src, dst in zip(self._files(self.db), self._files(self.root / name), strict=True):
            if src.exists():
                shutil.copy2(src, dst)
        self.start()

    def restore(self, name: str) -> None:
        """Stop, put the backup ``name`` back in place of the database, start again."""
        self.stop()
        for live, saved in zip(self._files(self.db), self._files(self.root / name), strict=True):
            live.unlink(missing_ok=True)
            if saved.exists():
                shutil.copy2(saved, live)
        self.start()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PrivateServer]:
    srv = PrivateServer(tmp_path / "server")
    try:
        yield srv
    finally:
        stop(srv.proc)


def two_devices(server: PrivateServer, tmp_path: Path) -> tuple[Device, Device]:
    laptop, desktop = Device(tmp_path / "laptop"), Device(tmp_path / "desktop")
    user = new_username()
    laptop.register(server.url, user)
    desktop.login(server.url, user)
    return laptop, desktop


def real_sync(device: Device) -> dict[str, object]:
    """``habit sync --json`` on the device, which must succeed."""
    r = device.habit("sync", "--json")
    assert r.code == 0, r.err
    result: dict[str, object] = r.json()
    return result


def settle(*devices: Device) -> None:
    """Sync each device in turn, twice round: after that every device has what any of them had."""
    for _ in range(2):
        for d in devices:
            real_sync(d)


def test_server_restored_from_an_older_backup_devices_rejoin_and_converge(
    server: PrivateServer, tmp_path: Path
) -> None:
    rng = random.Random(11)
    laptop, desktop = two_devices(server, tmp_path)
    made = crash.record_events(laptop, "L", 200, rng) | crash.record_events(desktop, "D", 200, rng)
    settle(laptop, desktop)
    server.backup("older.db")
    made |= crash.record_events(laptop, "L2", 150, rng)
    real_sync(laptop)
    made |= crash.record_events(desktop, "D2", 150, rng)
    real_sync(desktop)
    real_sync(laptop)
    made |= crash.record_events(desktop, "D3", 100, rng)  # on the server, never pulled by the laptop
    real_sync(desktop)
    made |= crash.record_events(laptop, "L3", 50, rng)  # offline: not pushed before the restore
    server.restore("older.db")

    first = real_sync(laptop)
    assert first["joined"] is True  # the server's head is behind its cursor
    second = real_sync(desktop)
    assert second["joined"] is True
    settle(laptop, desktop)
    assert crash.check([laptop, desktop], made) == []
    assert laptop.list_json() == desktop.list_json()


def test_server_restored_a_device_that_missed_the_lost_changes_syncs_first(
    server: PrivateServer, tmp_path: Path
) -> None:
    """The laptop did not sync between the backup and the restore, so the restored head is not
    behind its cursor; it pushes new work first, moving the head past the desktop's cursor. The
    desktop's pushes since the backup are gone from the server all the same, and the events now
    under its cursor are ones it never saw: it must notice and re-join."""
    rng = random.Random(12)
    laptop, desktop = two_devices(server, tmp_path)
    made = crash.record_events(laptop, "L", 100, rng) | crash.record_events(desktop, "D", 100, rng)
    settle(laptop, desktop)
    server.backup("older.db")
    made |= crash.record_events(desktop, "D2", 80, rng)
    real_sync(desktop)
    server.restore("older.db")

    made |= crash.record_events(laptop, "L2", 300, rng)
    real_sync(laptop)
    assert real_sync(desktop)["joined"] is True
    settle(laptop, desktop)
    assert crash.check([laptop, desktop], made) == []


def test_server_reset_to_empty_every_device_brings_its_data_back(server: PrivateServer, tmp_path: Path) -> None:
    """A reset keeps the accounts (a backup taken right after they were made is restored: users and
    devices, no events) and loses every event. Each device re-joins and re-pushes; all converge,
    whichever device comes back first and however much it brings."""
    rng = random.Random(13)
    laptop, desktop = two_devices(server, tmp_path)
    server.backup("accounts-only.db")
    made = crash.record_events(laptop, "L", 300, rng)
    real_sync(laptop)
    made |= crash.record_events(desktop, "D", 100, rng)
    settle(laptop, desktop)
    made |= crash.record_events(desktop, "D2", 60, rng)  # pushed, then lost in the reset
    real_sync(desktop)
    made |= crash.record_events(laptop, "L2", 200, rng)  # offline while the server is reset
    server.restore("accounts-only.db")

    assert real_sync(laptop)["joined"] is True
    assert real_sync(desktop)["joined"] is True
    settle(laptop, desktop)
    assert crash.check([laptop, desktop], made) == []
    assert laptop.list_json() == desktop.list_json()
    third = Device(tmp_path / "third")  # a device that joins afterwards gets everything too
    third.login(server.url, laptop.habit("sync", "--status", "--json").json()["username"])
    real_sync(third)
    assert crash.check([laptop, desktop, third], made) == []
