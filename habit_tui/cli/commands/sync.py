"""``habit sync``: push this device's changes, pull the others'; ``--watch`` keeps at it."""

from __future__ import annotations

import sys
import threading
from typing import Annotated

import typer

from habit_tui.cli.lazy import command_app
from habit_tui.cli.options import JsonOpt
from habit_tui.cli.output import emit_json, output, say
from habit_tui.cli.session import session
from habit_tui.cli.syncing import progress_bar, result_json, result_line, state_json
from habit_tui.errors import SyncError, UsageError
from habit_tui.services import account as accounts
from habit_tui.services import syncing
from habit_tui.services.context import Session

app = command_app()


@app.command("sync")
def sync(
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Keep syncing on every change until Ctrl+C.")] = False,
    status: Annotated[
        bool, typer.Option("--status", help="Show the account, last sync and waiting changes; contacts no server.")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Sync with your server: push this device's changes, pull the others'. Exit 0 when synced."""
    if watch and status:
        raise UsageError("--watch and --status do not go together")
    with session() as s:
        if status:
            show_status(s, json_)
        elif watch:
            _watch(s, json_)
        else:
            api = accounts.open_api(s)
            try:
                with progress_bar() as progress:
                    result = syncing.sync(s, api, progress)
            finally:
                api.close()
            output(s.settings, as_json=json_, data=lambda: result_json(result), human=result_line(result))


def show_status(s: Session, json_: bool) -> None:
    """Who this device syncs as, when it last did, and how many changes wait: no network."""
    found = accounts.account(s)
    state = syncing.sync_state(s)
    if found is None:
        output(
            s.settings,
            as_json=json_,
            data=lambda: {"server": None, "outbox": state.outbox},
            human=f"Not logged in to a sync server ({state.outbox} change(s) kept on this device). "
            "Start with: habit register --server URL, or habit login --server URL",
        )
        return
    last = state.last_sync.replace("T", " ").replace("+00:00", " UTC") if state.last_sync else "never"
    output(
        s.settings,
        as_json=json_,
        data=lambda: state_json(found.server, found.username, found.device_id, state),
        human=f"{found.username} on {found.server} · last sync: {last} · {state.outbox} change(s) waiting",
    )


def _watch(s: Session, json_: bool) -> None:
    api = accounts.open_api(s)
    stop = threading.Event()

    def report(r: syncing.SyncReport) -> None:
        if r.state == "synced" and r.result is not None:
            if json_:
                emit_json(result_json(r.result))
                sys.stdout.flush()  # a pipe reads each sync as it happens
            elif r.result.pushed or r.result.pulled or r.result.renamed:
                say(result_line(r.result), flush=True)
        elif r.retry_in is not None:
            say(f"habit: {r.message}; trying again in {r.retry_in:.0f} s", stderr=True)

    if not json_:
        say(f"Watching {api.server} for changes (Ctrl+C stops).", flush=True)
    failed: SyncError | None = None
    try:
        failed = syncing.keep_in_sync(s, api, report, stop.wait)
    except KeyboardInterrupt:
        stop.set()
    finally:
        api.close()
    if failed is not None:
        raise failed
