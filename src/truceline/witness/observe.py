"""One round of the witness: fetch, verify, decide, persist, cosign, submit.

The log is reached through :class:`LogSource` (HTTP for a real witness, the store for
the demo's built-in one), so the same code decides in both. Nothing the log sends is
trusted before ``open_checkpoint`` (the pinned key) and ``witness_decide`` (the RFC 9162
consistency proof against the last tree head this witness accepted) have passed.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from truceline.ledger import (
    CosignatureSigner,
    Ed25519Verifier,
    LedgerError,
    TreeHead,
    cosign,
    open_checkpoint,
    witness_decide,
)
from truceline.timefmt import format_time, from_micros
from truceline.witness.alarm import raise_alarm, show_existing_alarm
from truceline.witness.state import WitnessState, save_state

__all__ = ["LogSource", "Outcome", "observe"]


class LogSource(Protocol):
    """What a witness needs from a log."""

    def latest_checkpoint(self) -> str | None:
        """The latest signed checkpoint note, or None if the log has none yet."""
        ...

    def consistency(self, old: int, new: int) -> list[bytes]:
        """The RFC 9162 consistency proof from size ``old`` to size ``new``."""
        ...

    def submit_cosignature(self, note: str) -> None:
        """Hand the log a checkpoint note carrying our cosignature line."""
        ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one round did: ``cosigned``, ``unchanged``, ``nothing``, ``refused`` or ``alarm``."""

    status: str
    size: int
    reason: str
    alarm: Path | None = None


def observe(
    log: LogSource,
    signer: CosignatureSigner,
    state_path: Path,
    state: WitnessState,
    *,
    now_us: int,
) -> Outcome:
    """Run one round against ``log``; ``state`` is updated (and saved) in place."""
    if show_existing_alarm(state_path):
        return Outcome("alarm", state.size, "an earlier alarm is pending", None)
    note = log.latest_checkpoint()
    if note is None:
        return Outcome("nothing", state.size, "the log has no checkpoint yet")
    try:
        verifier = Ed25519Verifier.from_vkey(state.log_vkey)
        cp, verified = open_checkpoint(note, [verifier], origin=state.origin or None)
    except LedgerError as exc:
        return Outcome("refused", state.size, f"checkpoint refused with the pinned key: {exc}")
    head = TreeHead.of(cp)
    last = state.head
    proof: list[bytes] = []
    if last is not None and 0 < last.size < cp.size:
        proof = log.consistency(last.size, cp.size)
    decision = witness_decide(last, head, proof)
    if not decision.accepted:
        when = format_time(from_micros(now_us))
        path = raise_alarm(
            state_path, decision.verdict.value, decision.reason, state.checkpoint, note, when
        )
        return Outcome("alarm", state.size, decision.reason, path)
    if last == head and state.submitted:
        return Outcome("unchanged", cp.size, "already cosigned this tree head")
    state.origin, state.size = cp.origin, cp.size
    state.root_hash = base64.b64encode(cp.root_hash).decode("ascii")
    state.checkpoint, state.submitted = note, False
    save_state(state_path, state)  # persist before cosigning (c2sp.org/tlog-witness)
    line = cosign(verified.text, signer, now_us // 1_000_000).line()
    log.submit_cosignature(verified.text + "\n" + line)
    state.submitted = True
    save_state(state_path, state)
    return Outcome("cosigned", cp.size, decision.reason)
