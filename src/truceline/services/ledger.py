"""The tamper-evident log inside the store: append leaves, serve proofs and openings.

Every stored record becomes one leaf of an RFC 9162 Merkle log (docs/ledger.md), written
in the SAME transaction as the record: a failed or killed transaction leaves neither, so
there is never a record without its leaf nor a leaf without its record. The log is one
sequencer: appending locks the single ``ledger_head`` row (``FOR UPDATE`` on PostgreSQL;
SQLite's single writer already serialises), reads the right edge of the tree, and stores
the new leaves, the new complete subtrees and the new size.

Leaves are salted commitments (``truceline.ledger.hashing``): the public log shows kind,
id and hashes; the record, its markings and the salt stay in the store under access
control and are disclosed, as an *opening*, only to callers who may see the record.
Nothing is ever edited: a change of markings appends a new leaf.

Public API for other services (call inside their write transaction):

* :func:`append_records` — rows just inserted into a registered table;
* :func:`append_leaf` — one derived record (event, finding, decision, report, ...);
* :func:`record_markings_change` — a record's markings changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Row, func, select, tuple_, update

from truceline.access.policy import Principal, can_see
from truceline.errors import BadRequestError, NotFoundError
from truceline.formats.records import Markings
from truceline.ledger import (
    EMPTY_ROOT,
    SALT_SIZE,
    NodeKey,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    nodes_to_store_on_append_batch,
    root_hash,
)
from truceline.ledger.errors import LedgerError
from truceline.ledger.hashing import canonical_object, leaf_data_canonical
from truceline.services.ledger_kinds import LedgerKind, get_kind
from truceline.store import tables

__all__ = [
    "MAX_PAGE",
    "Leaf",
    "Opening",
    "SqlNodeReader",
    "append_leaf",
    "append_records",
    "consistency",
    "inclusion",
    "latest_leaf_index",
    "leaves",
    "load_records",
    "lock_tree_size",
    "may_see",
    "may_see_leaf",
    "opening",
    "record_leaves",
    "record_markings_change",
    "tree_root",
    "tree_size",
]

MAX_PAGE = 1000
"""Most leaves one ``leaves`` call returns (the API's page bound)."""
_IN_CHUNK = 500

H = tables.ledger_head
L = tables.ledger_leaves
N = tables.ledger_nodes


class SqlNodeReader:
    """The ledger's :class:`~truceline.ledger.NodeReader` over ``ledger_nodes``.

    One ``SELECT ... WHERE (level, idx) IN (...)`` per call (chunked only beyond 500
    keys, which O(log n) plans never reach).
    """

    __slots__ = ("conn",)

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        out: dict[NodeKey, bytes] = {}
        for i in range(0, len(keys), _IN_CHUNK):
            chunk = [tuple(k) for k in keys[i : i + _IN_CHUNK]]
            query = select(N.c.level, N.c.idx, N.c.hash).where(
                tuple_(N.c.level, N.c.idx).in_(chunk)
            )
            for level, idx, value in self.conn.execute(query):
                out[(int(level), int(idx))] = bytes(value)
        return out


# --- appending -------------------------------------------------------------------------


def lock_tree_size(conn: Connection) -> int:
    """The log's size, with the sequencer's row lock held until the transaction ends."""
    size = conn.execute(select(H.c.size).where(H.c.id == 1).with_for_update()).scalar()
    if size is None:
        raise LedgerError("ledger_head has no row: run the store migrations")
    return int(size)


def _append(
    conn: Connection, kind: str, entries: Sequence[tuple[str, dict[str, Any], str]], now_us: int
) -> range:
    """Append ``(record_id, record, markings_text)`` leaves of one kind; their indexes."""
    if not entries:
        return range(0)
    if not kind or len(kind) > 32:
        raise LedgerError(f"ledger kind must be 1 to 32 characters, got {kind!r}")
    size = lock_tree_size(conn)
    canonical: dict[str, bytes] = {}  # JCS of each distinct markings text, once per batch
    hashes: list[bytes] = []
    rows: list[tuple[Any, ...]] = []
    for offset, (record_id, record, markings_text) in enumerate(entries):
        if len(record_id) > 160:
            raise LedgerError(f"{kind} id {record_id[:40]!r}... is longer than 160 characters")
        markings_jcs = canonical.get(markings_text)
        if markings_jcs is None:
            markings_jcs = canonical[markings_text] = canonical_object(orjson.loads(markings_text))
        salt = secrets.token_bytes(SALT_SIZE)
        data = leaf_data_canonical(
            canonical_object(record), markings_jcs, kind=kind, record_id=record_id, salt=salt
        )
        digest = leaf_hash(data)
        hashes.append(digest)
        rows.append((size + offset, digest, kind, record_id, salt, markings_text, now_us))
    nodes = nodes_to_store_on_append_batch(size, hashes, SqlNodeReader(conn))
    _insert_many(conn, L, _LEAF_COLUMNS, rows)
    _insert_many(conn, N, ("level", "idx", "hash"), [(k[0], k[1], h) for k, h in nodes])
    conn.execute(update(H).where(H.c.id == 1).values(size=size + len(entries)))
    return range(size, size + len(entries))


_LEAF_COLUMNS = ("idx", "leaf_hash", "kind", "record_id", "salt", "markings", "appended_us")


def _insert_many(
    conn: Connection, table: Any, columns: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """A driver-level ``executemany`` of plain tuples, in the caller's transaction.

    SQLAlchemy's per-row parameter processing costs more than hashing a leaf; these
    columns need none (ints, text, bytes), so the rows go to the DB-API driver as they are.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(mark for _ in columns)})"
    )
    conn.exec_driver_sql(sql, list(rows))


def _registered(kind: str) -> LedgerKind:
    found = get_kind(kind)
    if found is None:
        raise LedgerError(f"no ledger kind {kind!r} is registered (services.ledger_kinds)")
    return found


def append_records(
    conn: Connection, kind: str, rows: Sequence[Mapping[Any, Any]], *, now_us: int
) -> range:
    """Append one leaf per row just inserted into the table of registered ``kind``.

    Call inside the transaction that inserted the rows. The record is the row's committed
    columns (``ledger_kinds``), the markings its ``markings`` column (``{}`` without one),
    the id its key. Returns the leaf indexes.
    """
    k = _registered(kind)
    entries = [(k.id_of(row), k.record_of(row), k.markings_text(row)) for row in rows]
    return _append(conn, k.name, entries, now_us)


def _markings_text(markings: Mapping[str, Any]) -> str:
    return orjson.dumps(dict(markings), option=orjson.OPT_SORT_KEYS).decode()


def append_leaf(
    conn: Connection,
    kind: str,
    record_id: str,
    record: Mapping[str, Any],
    markings: Mapping[str, Any],
    *,
    now_us: int,
) -> int:
    """Append one leaf for a derived record (event, finding, decision, report, ...).

    ``record`` must be a JSON object of RFC 8785-serialisable values; for a kind
    registered with a table it must equal ``kind.record_of(row)`` so that ``ledger verify``
    recomputes the same leaf. Call inside the transaction that stores the record.
    """
    return _append(conn, kind, [(record_id, dict(record), _markings_text(markings))], now_us)[0]


def record_markings_change(
    conn: Connection,
    kind: str,
    record_id: str,
    record: Mapping[str, Any],
    new_markings: Mapping[str, Any],
    *,
    now_us: int,
) -> int:
    """Append the leaf that records new markings of an existing record (nothing is edited).

    The caller updates the record's stored markings in the same transaction; verification
    requires the latest leaf of a record to commit to its current markings.
    """
    if latest_leaf_index(conn, kind, record_id) is None:
        raise NotFoundError(f"{kind} {record_id!r} has no leaf in the ledger")
    return append_leaf(conn, kind, record_id, record, new_markings, now_us=now_us)


# --- reading ---------------------------------------------------------------------------


def tree_size(conn: Connection) -> int:
    """The number of leaves in the log."""
    return int(conn.execute(select(H.c.size).where(H.c.id == 1)).scalar() or 0)


def tree_root(conn: Connection, size: int) -> bytes:
    """Root hash of the first ``size`` leaves, from stored subtrees (O(log n))."""
    return EMPTY_ROOT if size == 0 else root_hash(size, SqlNodeReader(conn))


def _check_size(conn: Connection, size: int, what: str) -> None:
    current = tree_size(conn)
    if not 0 <= size <= current:
        raise BadRequestError(f"{what}={size}: the log holds {current} leaves")


def inclusion(conn: Connection, index: int, size: int) -> tuple[bytes, list[bytes]]:
    """``(leaf_hash, proof)`` of leaf ``index`` in the tree of ``size`` (RFC 9162 §2.1.3.1)."""
    _check_size(conn, size, "size")
    if not 0 <= index < size:
        raise BadRequestError(f"index={index} is not a leaf of the tree of size {size}")
    stored = conn.execute(select(L.c.leaf_hash).where(L.c.idx == index)).scalar()
    if stored is None:
        raise NotFoundError(f"leaf {index} is missing from the store")
    return bytes(stored), inclusion_proof(index, size, SqlNodeReader(conn))


def consistency(conn: Connection, old: int, new: int) -> list[bytes]:
    """Consistency proof from size ``old`` to size ``new`` (RFC 9162 §2.1.4.1)."""
    _check_size(conn, new, "to")
    if not 0 <= old <= new:
        raise BadRequestError(f"from={old} must be between 0 and to={new}")
    return consistency_proof(old, new, SqlNodeReader(conn))


@dataclass(frozen=True, slots=True)
class Leaf:
    """One stored leaf: position, hash, the public (kind, id), and its private opening."""

    index: int
    leaf_hash: bytes
    kind: str
    record_id: str
    salt: bytes
    markings: dict[str, Any]
    appended_us: int

    @classmethod
    def of(cls, row: Row[Any]) -> Leaf:
        return cls(
            int(row.idx),
            bytes(row.leaf_hash),
            row.kind,
            row.record_id,
            bytes(row.salt),
            orjson.loads(row.markings),
            int(row.appended_us),
        )


def _markings_model(markings: Mapping[str, Any]) -> Markings | None:
    try:
        return Markings(**markings)
    except (TypeError, ValueError):
        return None


def may_see(principal: Principal, markings: Mapping[str, Any], originator: str | None) -> bool:
    """``can_see`` with the markings dict a leaf commits to (unreadable markings: admins)."""
    model = _markings_model(markings)
    if model is None:
        return "admin" in principal.roles
    return can_see(principal, model, originator or model.originator)


def may_see_leaf(principal: Principal, leaf: Leaf) -> bool:
    """Whether ``principal`` may learn which record ``leaf`` is (its markings at that time)."""
    return may_see(principal, leaf.markings, None)


def leaves(conn: Connection, start: int, end: int) -> list[Leaf]:
    """Leaves ``start <= index < end`` (at most :data:`MAX_PAGE`), in order."""
    if start < 0 or end < start:
        raise BadRequestError(f"need 0 <= start <= end, got start={start}, end={end}")
    end = min(end, start + MAX_PAGE)
    query = select(L).where(L.c.idx >= start, L.c.idx < end).order_by(L.c.idx)
    return [Leaf.of(row) for row in conn.execute(query)]


def record_leaves(conn: Connection, kind: str, record_id: str) -> list[Leaf]:
    """Every leaf of one record, oldest first (several after markings changes)."""
    query = select(L).where(L.c.kind == kind, L.c.record_id == record_id).order_by(L.c.idx)
    return [Leaf.of(row) for row in conn.execute(query)]


def latest_leaf_index(
    conn: Connection, kind: str, record_id: str, *, below: int | None = None
) -> int | None:
    """Index of the record's latest leaf (below ``below`` if given), or None."""
    query = select(func.max(L.c.idx)).where(L.c.kind == kind, L.c.record_id == record_id)
    if below is not None:
        query = query.where(L.c.idx < below)
    found = conn.execute(query).scalar()
    return int(found) if found is not None else None


@dataclass(frozen=True, slots=True)
class Opening:
    """What a permitted caller needs to recompute a record's leaves themselves."""

    kind: str
    record_id: str
    record: dict[str, Any]
    leaves: list[Leaf]

    @property
    def latest(self) -> Leaf:
        return self.leaves[-1]


def load_records(
    conn: Connection, kind: LedgerKind, ids: Sequence[str]
) -> Iterator[Mapping[str, Any]]:
    """The stored rows of ``kind`` with these ids (as mappings), in chunks."""
    for i in range(0, len(ids), _IN_CHUNK):
        query = select(kind.table).where(kind.where_ids(ids[i : i + _IN_CHUNK]))
        for row in conn.execute(query):
            yield cast(Mapping[str, Any], row._mapping)


def opening(conn: Connection, principal: Principal, kind_name: str, record_id: str) -> Opening:
    """The record, its leaves' salts and markings, for a caller who may see the record.

    Anyone else gets the same :class:`NotFoundError` as for a record that does not exist.
    """
    missing = NotFoundError(f"no record {kind_name}:{record_id} that you may see")
    kind = get_kind(kind_name)
    if kind is None:
        raise missing
    rows = list(load_records(conn, kind, [record_id]))
    if not rows:
        raise missing
    row = rows[0]
    markings = orjson.loads(kind.markings_text(row))
    if not may_see(principal, markings, kind.originator_of(row)):
        raise missing
    found = record_leaves(conn, kind_name, record_id)
    if not found:
        raise missing
    return Opening(kind_name, record_id, kind.record_of(row), found)
