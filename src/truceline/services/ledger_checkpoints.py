"""Signed checkpoints of the log, witnesses' cosignatures, and the periodic issuer.

A checkpoint is the C2SP tlog-checkpoint note ``origin / size / base64(root)`` signed by
the log key (C2SP signed-note, Ed25519). It is issued on demand and, by the ``checkpoints``
worker (``services/workers``), every ``TRUCELINE_CHECKPOINT_SECONDS`` when the log has
grown. The size and root are read under the sequencer lock, so a checkpoint always names a
tree that exists.

Witnesses submit cosignatures (C2SP tlog-cosignature/v1) on a stored checkpoint; the
server keeps one line per witness and checkpoint, after checking it against the
witness's registered key — the signature is the authentication.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select

from truceline.errors import BadRequestError, ForbiddenError, NotFoundError
from truceline.ledger import (
    Checkpoint,
    Ed25519Signer,
    InvalidSignatureError,
    LedgerError,
    parse_checkpoint,
    parse_note,
    sign_checkpoint,
)
from truceline.ledger.cosignature import cosignature_timestamp
from truceline.services.ledger import lock_tree_size, tree_root, tree_size
from truceline.services.ledger_keys import ensure_log_key, witness_verifiers
from truceline.store import tables
from truceline.store.engine import Store

__all__ = [
    "CheckpointIssuer",
    "CheckpointRecord",
    "CosignatureRecord",
    "add_cosignatures",
    "all_checkpoints",
    "checkpoint_by_size",
    "cosignatures_of",
    "issue_checkpoint",
    "latest_checkpoint",
    "with_cosignatures",
]

C = tables.ledger_checkpoints
CS = tables.ledger_cosignatures
log = logging.getLogger("truceline.ledger")


@dataclass(frozen=True, slots=True)
class CheckpointRecord:
    """A stored checkpoint: its sequence number, size, root and signed note."""

    seq: int
    size: int
    root_hash: bytes
    note: str
    issued_us: int

    @property
    def text(self) -> str:
        """The checkpoint body (the note without its signature lines)."""
        return parse_note(self.note).text


def _record(row: Any) -> CheckpointRecord:
    return CheckpointRecord(
        int(row.seq), int(row.size), bytes(row.root_hash), row.note, int(row.issued_us)
    )


def latest_checkpoint(conn: Connection) -> CheckpointRecord | None:
    row = conn.execute(select(C).order_by(C.c.seq.desc()).limit(1)).first()
    return _record(row) if row is not None else None


def checkpoint_by_size(conn: Connection, size: int) -> CheckpointRecord | None:
    """The latest stored checkpoint of exactly ``size`` leaves."""
    row = conn.execute(select(C).where(C.c.size == size).order_by(C.c.seq.desc()).limit(1)).first()
    return _record(row) if row is not None else None


def all_checkpoints(conn: Connection) -> list[CheckpointRecord]:
    return [_record(r) for r in conn.execute(select(C).order_by(C.c.seq))]


def issue_checkpoint(
    store: Store, signer: Ed25519Signer, origin: str, *, now_us: int, force: bool = False
) -> tuple[CheckpointRecord, bool]:
    """Sign the current tree head; ``(checkpoint, created)``.

    Without ``force`` an unchanged log gets no new checkpoint (the latest is returned).
    """
    with store.write() as conn:
        size = lock_tree_size(conn)
        latest = latest_checkpoint(conn)
        if latest is not None and latest.size == size and not force:
            return latest, False
        root = tree_root(conn, size)
        note = sign_checkpoint(Checkpoint(origin, size, root), [signer])
        key = conn.execute(
            insert(C).values(size=size, root_hash=root, note=note, issued_us=now_us)
        ).inserted_primary_key
        assert key is not None
        seq = key[0]
    return CheckpointRecord(int(seq), size, root, note, now_us), True


@dataclass(frozen=True, slots=True)
class CosignatureRecord:
    checkpoint_seq: int
    witness: str
    line: str
    timestamp: int


def cosignatures_of(conn: Connection, checkpoint_seq: int) -> list[CosignatureRecord]:
    query = select(CS).where(CS.c.checkpoint_seq == checkpoint_seq).order_by(CS.c.seq)
    return [
        CosignatureRecord(int(r.checkpoint_seq), r.witness, r.signature_line, int(r.timestamp))
        for r in conn.execute(query)
    ]


def with_cosignatures(cp: CheckpointRecord, cosigs: list[CosignatureRecord]) -> str:
    """The checkpoint note with the witnesses' cosignature lines appended (signed-note)."""
    return cp.note + "".join(c.line if c.line.endswith("\n") else c.line + "\n" for c in cosigs)


def add_cosignatures(store: Store, body: str, *, now_us: int) -> list[CosignatureRecord]:
    """Store the cosignatures of registered witnesses found on a submitted checkpoint note.

    ``body`` is a signed note whose text is a checkpoint this log issued, with one or more
    cosignature lines (the log's own line may be there too and is ignored). Lines of
    unknown keys are ignored; a bad line of a registered witness is refused (403), as is a
    note with no registered witness's line.
    """
    try:
        note = parse_note(body)
        cp = parse_checkpoint(note.text)
    except LedgerError as exc:
        raise BadRequestError(f"body: not a signed checkpoint note ({exc})") from None
    stored: list[CosignatureRecord] = []
    with store.write() as conn:
        found = conn.execute(
            select(C)
            .where(C.c.size == cp.size, C.c.root_hash == cp.root_hash)
            .order_by(C.c.seq.desc())
            .limit(1)
        ).first()
        if found is None or parse_note(found.note).text != note.text:
            raise NotFoundError(f"this log issued no checkpoint {cp.size} with that root")
        witnesses = {(v.name, v.key_id): (label, v) for label, v in witness_verifiers(conn)}
        message = note.text.encode("utf-8")
        for sig in note.signatures:
            entry = witnesses.get((sig.name, sig.key_id))
            if entry is None:
                continue
            label, verifier = entry
            if not verifier.verify(message, sig.signature):
                raise ForbiddenError(str(InvalidSignatureError(sig.name, sig.key_id)))
            record = CosignatureRecord(
                int(found.seq), label, sig.line(), cosignature_timestamp(sig.signature)
            )
            _store_cosignature(conn, record, now_us)
            stored.append(record)
    if not stored:
        raise ForbiddenError("no cosignature by a registered witness on the note")
    return stored


def _store_cosignature(conn: Connection, record: CosignatureRecord, now_us: int) -> None:
    exists = conn.execute(
        select(CS.c.seq).where(
            CS.c.checkpoint_seq == record.checkpoint_seq, CS.c.witness == record.witness
        )
    ).first()
    if exists is None:
        conn.execute(
            insert(CS).values(
                checkpoint_seq=record.checkpoint_seq,
                witness=record.witness,
                signature_line=record.line,
                timestamp=record.timestamp,
                received_us=now_us,
            )
        )


@dataclass(frozen=True, slots=True)
class CheckpointIssuer:
    """Signs a checkpoint if the log grew; the ``checkpoints`` worker ticks it every ``period``."""

    store: Store
    home: Path
    origin: str
    period: float
    clock: Callable[[], int]

    def tick(self) -> CheckpointRecord | None:
        """Issue a checkpoint if the log has grown since the latest one; returns it."""
        with self.store.read() as conn:
            size = tree_size(conn)
            latest = latest_checkpoint(conn)
        if latest is not None and latest.size == size:
            return None
        signer = ensure_log_key(self.store, self.home, self.origin, now_us=self.clock())
        record, created = issue_checkpoint(self.store, signer, self.origin, now_us=self.clock())
        if not created:
            return None
        log.info("ledger checkpoint %d: size %d", record.seq, record.size)
        return record
