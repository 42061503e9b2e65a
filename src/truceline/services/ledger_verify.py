"""``ledger verify`` against the database: recompute every leaf, rebuild the tree, check
every checkpoint, and name the first record that was edited, deleted, inserted or moved.

Three sources must agree, and each catches a different tampering:

* the RECORDS (each leaf's row in its kind's table, with the salt and markings stored in
  the leaf row) give the *recomputed* leaf hash: a changed record changes it ("edited");
  a record that is gone cannot give one ("deleted");
* the LEAF and NODE rows the server publishes from: the stored leaf hash and the stored
  level-0 node of each position must equal the recomputed hash; a leaf row whose record
  recomputes fine but sits at a position where the log holds another hash was moved
  ("reordered");
* the SIGNED checkpoints: the root of the tree rebuilt from the recomputed hashes must
  equal every checkpoint's root at its size, which catches even an operator who rewrote
  leaf and node rows consistently; consecutive checkpoints must be consistent
  (RFC 9162 §2.1.4) and every cosignature must verify.

Finally every row of every registered table must have a leaf ("inserted" otherwise), and a
record's latest leaf must commit to the row's current markings. The whole check runs in one
read snapshot and streams the leaves in pages, so memory grows only with the number of
records (one small entry each).
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from sqlalchemy import Connection, select

from truceline.ledger import (
    EMPTY_ROOT,
    CosignatureVerifier,
    Ed25519Verifier,
    LedgerError,
    NodeKey,
    consistency_proof,
    leaf_data,
    leaf_hash,
    nodes_to_store_on_append_batch,
    open_checkpoint,
    root_hash_from_nodes,
    root_keys,
    verify_consistency,
    verify_cosignatures,
)
from truceline.services.ledger import SqlNodeReader, load_records, tree_size
from truceline.services.ledger_checkpoints import (
    CheckpointRecord,
    all_checkpoints,
    cosignatures_of,
    with_cosignatures,
)
from truceline.services.ledger_keys import log_verifiers, witness_verifiers
from truceline.services.ledger_kinds import LedgerKind, get_kind, kinds
from truceline.store import tables
from truceline.store.engine import Store

__all__ = ["Finding", "VerifyReport", "verify_store"]

L = tables.ledger_leaves
PAGE = 5000
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong, naming the record and leaf where that is possible."""

    problem: str  # edited | deleted | inserted | reordered | markings | structure | checkpoint
    message: str
    index: int | None = None
    kind: str | None = None
    record_id: str | None = None


@dataclass
class VerifyReport:
    """What verification saw; ``findings`` are in leaf order, records without leaves last."""

    size: int = 0
    leaves: int = 0
    recomputed: int = 0
    unchecked: dict[str, int] = field(default_factory=dict)
    records: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "size": self.size,
            "leaves": self.leaves,
            "recomputed": self.recomputed,
            "unchecked_kinds": self.unchecked,
            "records": self.records,
            "checkpoints": self.checkpoints,
            "cosignatures": self.cosignatures,
            "findings": [
                {
                    "problem": f.problem,
                    "message": f.message,
                    "index": f.index,
                    "kind": f.kind,
                    "id": f.record_id,
                }
                for f in self.findings
            ],
        }


class _Frontier:
    """A NodeReader over the right edge of the rebuilt tree (all an append reads)."""

    def __init__(self) -> None:
        self.nodes: dict[NodeKey, bytes] = {}

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        return {k: self.nodes[k] for k in keys if k in self.nodes}


@contextmanager
def _snapshot(store: Store) -> Iterator[Connection]:
    """One consistent read snapshot (REPEATABLE READ on PostgreSQL; SQLite's read txn)."""
    if store.dialect == "postgresql":
        with store.engine.connect() as raw:
            conn = raw.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn
    else:
        with store.read() as conn:
            yield conn


def _name(kind: str, record_id: str, index: int | None) -> str:
    return f"{kind} {record_id}" + (f" (leaf {index})" if index is not None else "")


class _Verifier:
    def __init__(self, conn: Connection, origin: str | None, max_findings: int) -> None:
        self.conn = conn
        self.origin = origin
        self.max_findings = max_findings
        self.report = VerifyReport()
        self.findings: list[Finding] = []
        self.count = 0
        self.frontier = _Frontier()
        self.bad: list[int] = []  # leaf indexes already explained by a finding (sorted)
        self.latest: dict[tuple[str, str], tuple[int, str]] = {}
        self.checkpoints = all_checkpoints(conn)
        self.wanted = sorted({cp.size for cp in self.checkpoints})
        self.roots: dict[int, bytes] = {0: EMPTY_ROOT}
        self.broken_at: int | None = None  # a leaf row is missing: no tree beyond it
        self.unchecked: Counter[str] = Counter()

    def add(self, finding: Finding) -> None:
        if len(self.findings) < self.max_findings:
            self.findings.append(finding)
        if finding.index is not None:
            bisect.insort(self.bad, finding.index)

    # leaves ---------------------------------------------------------------------------

    def leaves(self, page: int, progress: Progress | None) -> None:
        while True:
            rows = self.conn.execute(
                select(L).where(L.c.idx >= self.count).order_by(L.c.idx).limit(page)
            ).all()
            if not rows:
                return
            if int(rows[0].idx) != self.count:
                self._gap(int(rows[0].idx))
                return
            contiguous = [r for i, r in enumerate(rows) if int(r.idx) == self.count + i]
            self._page(contiguous)
            if progress is not None:
                progress(len(contiguous))
            if len(contiguous) < len(rows):
                self._gap(int(rows[len(contiguous)].idx))
                return

    def _gap(self, next_index: int) -> None:
        self.broken_at = self.count
        self.add(
            Finding(
                "deleted",
                f"leaves {self.count}..{next_index - 1} are missing from the store: leaf rows were "
                "deleted (the tree cannot be rebuilt beyond them)",
                self.count,
            )
        )

    def _records(self, rows: Sequence[Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
        wanted: dict[str, list[str]] = {}
        for r in rows:
            if get_kind(r.kind) is not None:
                wanted.setdefault(r.kind, []).append(r.record_id)
        found: dict[tuple[str, str], Mapping[str, Any]] = {}
        for name, ids in wanted.items():
            kind = get_kind(name)
            assert kind is not None
            for row in load_records(self.conn, kind, sorted(set(ids))):
                found[(name, kind.id_of(row))] = row
        return found

    def _recompute(self, r: Any, kind: LedgerKind, row: Mapping[str, Any]) -> bytes | None:
        try:
            return leaf_hash(
                leaf_data(
                    kind.record_of(row),
                    kind=r.kind,
                    record_id=r.record_id,
                    markings=orjson.loads(r.markings),
                    salt=bytes(r.salt),
                )
            )
        except (LedgerError, orjson.JSONDecodeError):
            return None

    def _page(self, rows: Sequence[Any]) -> None:
        records = self._records(rows)
        hashes: list[bytes] = []
        pending: dict[int, tuple[Any, bytes]] = {}  # recomputed fine: check the position
        for r in rows:
            index, stored = int(r.idx), bytes(r.leaf_hash)
            self.latest[(r.kind, r.record_id)] = (index, r.markings)
            kind = get_kind(r.kind)
            if kind is None:
                self.unchecked[r.kind] += 1
                hashes.append(stored)
                pending[index] = (r, stored)
                continue
            row = records.get((r.kind, r.record_id))
            if row is None:
                self.add(
                    Finding(
                        "deleted",
                        f"{_name(r.kind, r.record_id, index)} was deleted: its leaf has no record",
                        index,
                        r.kind,
                        r.record_id,
                    )
                )
                hashes.append(stored)
                continue
            self.report.recomputed += 1
            computed = self._recompute(r, kind, row)
            hashes.append(computed or stored)
            pending[index] = (r, computed or b"")
        self._tree(rows, hashes, pending)

    def _tree(self, rows: Sequence[Any], hashes: list[bytes], pending: dict[int, Any]) -> None:
        start = self.count
        cuts = [s for s in self.wanted if start < s < start + len(hashes)]
        bounds = [start, *cuts, start + len(hashes)]
        new_nodes: list[tuple[NodeKey, bytes]] = []
        for lo, hi in itertools.pairwise(bounds):
            made = nodes_to_store_on_append_batch(
                lo, hashes[lo - start : hi - start], self.frontier
            )
            new_nodes.extend(made)
            self.frontier.nodes.update(made)
            self.frontier.nodes = {k: self.frontier.nodes[k] for k in root_keys(hi)}
            if hi in self.wanted:
                self.roots[hi] = root_hash_from_nodes(hi, self.frontier.nodes)
        self.count = start + len(hashes)
        self._compare_nodes(rows, new_nodes, pending)

    def _compare_nodes(
        self, rows: Sequence[Any], new_nodes: list[tuple[NodeKey, bytes]], pending: dict[int, Any]
    ) -> None:
        stored = self._stored_nodes(new_nodes)
        for (level, idx), _ in new_nodes:
            if level == 0 and idx in pending:
                self._classify_leaf(idx, pending[idx], stored.get((0, idx)))
        for (level, idx), value in new_nodes:
            if level == 0 or stored.get((level, idx)) == value:
                continue
            lo, hi = idx << level, (idx + 1) << level
            if bisect.bisect_left(self.bad, lo) < bisect.bisect_left(self.bad, hi):
                continue  # explained by a leaf finding below it
            self.add(
                Finding(
                    "reordered",
                    f"the stored subtree over leaves {lo}..{hi - 1} does not match them: leaves "
                    "there were reordered or replaced, or the node rows were edited",
                    lo,
                )
            )
            break

    def _stored_nodes(self, new_nodes: list[tuple[NodeKey, bytes]]) -> dict[NodeKey, bytes]:
        """The stored counterparts of a page's nodes: one range query per level."""
        spans: dict[int, tuple[int, int]] = {}
        for (level, idx), _ in new_nodes:
            lo, hi = spans.get(level, (idx, idx))
            spans[level] = (min(lo, idx), max(hi, idx))
        n = tables.ledger_nodes
        out: dict[NodeKey, bytes] = {}
        for level, (lo, hi) in spans.items():
            query = select(n.c.idx, n.c.hash).where(n.c.level == level, n.c.idx.between(lo, hi))
            out.update({(level, int(i)): bytes(h) for i, h in self.conn.execute(query)})
        return out

    def _classify_leaf(self, index: int, entry: tuple[Any, bytes], node: bytes | None) -> None:
        r, computed = entry
        stored = bytes(r.leaf_hash)
        name = _name(r.kind, r.record_id, index)
        if computed == stored == node:
            return
        if computed == node:
            self.add(
                Finding(
                    "structure",
                    f"{name}: the leaf row's hash was edited (the record is intact)",
                    index,
                    r.kind,
                    r.record_id,
                )
            )
        elif computed == stored:
            self.add(
                Finding(
                    "reordered",
                    f"{name} was reordered: the log holds another leaf at position {index}",
                    index,
                    r.kind,
                    r.record_id,
                )
            )
        else:
            self.add(
                Finding(
                    "edited",
                    f"{name} was edited: its stored record no longer matches its leaf",
                    index,
                    r.kind,
                    r.record_id,
                )
            )

    # records without leaves, markings ---------------------------------------------------

    def records(self) -> None:
        for kind in kinds():
            query = select(kind.table)
            if kind.scope is not None:
                query = query.where(kind.scope)
            result = self.conn.execute(query.execution_options(yield_per=PAGE))
            for row in result.mappings():
                self.report.records += 1
                self._record(kind, cast(Mapping[str, Any], row))

    def _record(self, kind: LedgerKind, row: Mapping[str, Any]) -> None:
        record_id = kind.id_of(row)
        latest = self.latest.get((kind.name, record_id))
        if latest is None:
            self.add(
                Finding(
                    "inserted",
                    f"{kind.name} {record_id} was inserted: it has no leaf in the log",
                    None,
                    kind.name,
                    record_id,
                )
            )
            return
        index, leaf_markings = latest
        if not kind.marked or leaf_markings == row["markings"]:
            return
        try:
            same = orjson.loads(leaf_markings) == orjson.loads(row["markings"])
        except orjson.JSONDecodeError:
            same = False
        if not same:
            self.add(
                Finding(
                    "markings",
                    f"{_name(kind.name, record_id, index)}: its markings were changed without a "
                    "new leaf (the latest leaf commits to other markings)",
                    index,
                    kind.name,
                    record_id,
                )
            )

    # checkpoints and cosignatures -------------------------------------------------------

    def checkpoint_checks(self) -> None:
        verifiers = log_verifiers(self.conn)
        witnesses: dict[str, list[CosignatureVerifier]] = {}
        for label, verifier in witness_verifiers(self.conn, include_retired=True):
            witnesses.setdefault(label, []).append(verifier)
        previous: CheckpointRecord | None = None
        for cp in self.checkpoints:
            self.report.checkpoints += 1
            if self._checkpoint(cp, verifiers):
                self._pair(previous, cp)
                previous = cp
            self._cosignatures(cp, witnesses)

    def _checkpoint(self, cp: CheckpointRecord, verifiers: list[Ed25519Verifier]) -> bool:
        where = f"checkpoint {cp.seq} (size {cp.size})"
        try:
            parsed, _ = open_checkpoint(cp.note, verifiers, origin=self.origin)
        except LedgerError as exc:
            self.add(Finding("checkpoint", f"{where}: its signature or form is bad ({exc})"))
            return False
        if parsed.size != cp.size or parsed.root_hash != cp.root_hash:
            self.add(Finding("checkpoint", f"{where}: its stored size/root differ from its note"))
        if self.origin is None:
            self.origin = parsed.origin
        if parsed.size > self.count or (
            self.broken_at is not None and parsed.size > self.broken_at
        ):
            self.add(
                Finding(
                    "deleted",
                    f"{where} signed {parsed.size} leaves but only {self.count} can be read: "
                    "leaves were deleted or the log was truncated",
                    min(self.count, parsed.size),
                )
            )
            return False
        if self.roots.get(parsed.size) != parsed.root_hash:
            self._root_mismatch(where, parsed.size)
        return True

    def _root_mismatch(self, where: str, size: int) -> None:
        """Report a signed root the rebuilt tree misses, unless a leaf finding explains it."""
        good = [
            cp.size
            for cp in self.checkpoints
            if cp.size < size and self.roots.get(cp.size) == cp.root_hash
        ]
        lo = max(good, default=0)
        if bisect.bisect_left(self.bad, lo) < bisect.bisect_left(self.bad, size):
            return
        self.add(
            Finding(
                "reordered",
                f"{where}: leaves {lo}..{size - 1} no longer give its signed root; one of them was "
                "changed, replaced or reordered after it was signed (the leaf and node rows were "
                "rewritten to hide it)",
                lo,
            )
        )

    def _pair(self, old: CheckpointRecord | None, new: CheckpointRecord) -> None:
        if old is None or old.size == 0:
            return
        where = f"checkpoints {old.seq} -> {new.seq}"
        if new.size < old.size:
            self.add(
                Finding(
                    "checkpoint",
                    f"{where}: the log shrank from {old.size} to {new.size} leaves (rollback)",
                )
            )
            return
        if new.size == old.size:
            if new.root_hash != old.root_hash:
                self.add(
                    Finding(
                        "checkpoint",
                        f"{where}: two different roots for size {new.size} (a split view)",
                    )
                )
            return
        try:
            proof = consistency_proof(old.size, new.size, SqlNodeReader(self.conn))
        except LedgerError as exc:
            self.add(Finding("structure", f"{where}: no consistency proof ({exc})"))
            return
        if not verify_consistency(old.size, new.size, old.root_hash, new.root_hash, proof):
            self.add(Finding("checkpoint", f"{where}: not consistent (RFC 9162 §2.1.4)"))

    def _cosignatures(
        self, cp: CheckpointRecord, witnesses: dict[str, list[CosignatureVerifier]]
    ) -> None:
        for cosig in cosignatures_of(self.conn, cp.seq):
            self.report.cosignatures += 1
            keys = witnesses.get(cosig.witness, [])
            try:
                valid = bool(keys) and bool(
                    verify_cosignatures(with_cosignatures(cp, [cosig]), keys)
                )
            except LedgerError:
                valid = False
            if not valid:
                self.add(
                    Finding(
                        "checkpoint",
                        f"checkpoint {cp.seq}: the cosignature of witness {cosig.witness!r} "
                        "does not verify with its registered key",
                    )
                )

    def finish(self) -> VerifyReport:
        head = tree_size(self.conn)
        self.report.size = head
        self.report.leaves = self.count
        if head != self.count and self.broken_at is None:
            self.add(
                Finding(
                    "structure",
                    f"the log's head says {head} leaves but {self.count} are stored",
                    min(head, self.count),
                )
            )
        self.report.unchecked = dict(self.unchecked)
        big = float("inf")
        self.report.findings = sorted(
            self.findings, key=lambda f: big if f.index is None else f.index
        )
        return self.report


def verify_store(
    store: Store,
    *,
    origin: str | None = None,
    page: int = PAGE,
    progress: Progress | None = None,
    max_findings: int = 100,
) -> VerifyReport:
    """Verify the whole log against the records, nodes, checkpoints and cosignatures.

    ``origin``: the log's expected origin (default: whatever the first checkpoint says).
    ``progress`` is called with the number of leaves done after each page.
    """
    with _snapshot(store) as conn:
        verifier = _Verifier(conn, origin, max_findings)
        verifier.leaves(page, progress)
        verifier.records()
        verifier.checkpoint_checks()
        return verifier.finish()
