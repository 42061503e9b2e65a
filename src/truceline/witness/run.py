"""The polling loop behind ``truceline witness``: one :func:`observe` per interval.

Exit codes: 0 after ``--once`` or Ctrl-C, 2 for an error (unreachable log, bad key,
refused checkpoint with ``--once``), 3 (:data:`ALARM_EXIT`) for an alarm.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
from rich.console import Console

from truceline.clock import now_us as wall_clock_us
from truceline.errors import TrucelineError
from truceline.ledger import Ed25519Verifier, LedgerError
from truceline.services.ledger_http import LedgerHttpClient, LedgerHttpError
from truceline.services.ledger_keys import witness_signer
from truceline.witness.alarm import ALARM_EXIT
from truceline.witness.observe import Outcome, observe
from truceline.witness.state import WitnessState, load_state, save_state

__all__ = ["HttpLog", "run_witness"]


class HttpLog:
    """The :class:`~truceline.witness.observe.LogSource` of a server's ledger API."""

    def __init__(self, client: LedgerHttpClient) -> None:
        self.client = client

    def latest_checkpoint(self) -> str | None:
        try:
            return self.client.checkpoint()
        except LedgerHttpError as exc:
            if exc.status == 404:
                return None
            raise

    def consistency(self, old: int, new: int) -> list[bytes]:
        return self.client.consistency(old, new)

    def submit_cosignature(self, note: str) -> None:
        self.client.submit_cosignature(note)


def _initial_state(
    state_file: Path, http: LedgerHttpClient, log_key: str | None, console: Console
) -> WitnessState:
    state = load_state(state_file)
    if state is not None:
        if log_key is not None and log_key != state.log_vkey:
            console.print(f"re-pinning the log key to {log_key} (was {state.log_vkey})")
            state.log_vkey = log_key
            save_state(state_file, state)
        return state
    pinned = log_key or http.key()
    try:
        Ed25519Verifier.from_vkey(pinned)
    except LedgerError as exc:
        raise LedgerHttpError(f"log key {pinned!r} is not an Ed25519 vkey: {exc}") from None
    if log_key is None:
        console.print(
            f"[yellow]pinned the log key the server published (trust on first "
            f"use): {pinned}[/] — compare it with the operator's announcement"
        )
    state = WitnessState(log_vkey=pinned)
    save_state(state_file, state)
    return state


def _report(outcome: Outcome, console: Console) -> None:
    style = {"cosigned": "green", "unchanged": "dim", "nothing": "dim", "refused": "red"}
    colour = style.get(outcome.status, "bold red")
    console.print(f"[{colour}]{outcome.status}[/] size {outcome.size}: {outcome.reason}")


def run_witness(
    url: str,
    key_file: Path,
    state_file: Path,
    *,
    interval: float = 60.0,
    once: bool = False,
    log_key: str | None = None,
    client: httpx.Client | None = None,
    clock: Callable[[], int] = wall_clock_us,
    console: Console | None = None,
) -> int:
    """Watch the log at ``url`` until stopped; the process exit code (see module doc)."""
    out = console or Console(stderr=True)
    try:
        signer = witness_signer(key_file)
        http = LedgerHttpClient(url, client=client)
        state = _initial_state(state_file, http, log_key, out)
    except TrucelineError as exc:
        out.print(f"[bold red]error:[/] {exc}")
        return 2
    log = HttpLog(http)
    while True:
        try:
            outcome = observe(log, signer, state_file, state, now_us=clock())
        except (TrucelineError, LedgerError) as exc:
            out.print(f"[bold red]error:[/] {exc}")
            if once:
                return 2
        else:
            _report(outcome, out)
            if outcome.status == "alarm":
                return ALARM_EXIT
            if once:
                return 2 if outcome.status == "refused" else 0
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            return 0
