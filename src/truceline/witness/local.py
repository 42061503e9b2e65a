"""The log read straight from a store: a :class:`LogSource` for the built-in demo witness.

A witness that shares the operator's database proves little on its own; it exists so that
``make demo`` shows a complete, witnessed log without network access. Real witnesses run
``truceline witness --url`` on machines the operator does not control.
"""

from __future__ import annotations

from truceline.services.ledger import consistency
from truceline.services.ledger_checkpoints import add_cosignatures, latest_checkpoint
from truceline.store.engine import Store

__all__ = ["StoreLog"]


class StoreLog:
    """Checkpoints, proofs and cosignature submission through the service layer."""

    def __init__(self, store: Store, now_us: int) -> None:
        self.store = store
        self.now_us = now_us

    def latest_checkpoint(self) -> str | None:
        with self.store.read() as conn:
            cp = latest_checkpoint(conn)
        return cp.note if cp is not None else None

    def consistency(self, old: int, new: int) -> list[bytes]:
        with self.store.read() as conn:
            return consistency(conn, old, new)

    def submit_cosignature(self, note: str) -> None:
        add_cosignatures(self.store, note, now_us=self.now_us)
