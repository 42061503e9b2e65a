"""Merkle tree computations over stored subtree hashes (RFC 9162 §2.1).

Pure: every function takes a :class:`~truceline.ledger.nodestore.NodeReader`
(or already-fetched nodes) and returns values; nothing here writes, sleeps,
reads a clock or draws randomness. Writing the returned nodes is the caller's
job, inside whatever transaction it runs.

Each store-backed function works in three steps: (1) plan the node keys it
needs with ``subtrees.py`` — O(log n) of them; (2) fetch them in ONE
``get_nodes`` call, so an SQL backend makes one query; (3) assemble the answer
in memory. The trees are never rebuilt from leaves. The ``*_from_nodes``
variants take step (2)'s result directly, for a backend that batches reads.

Appends must be serialised by the caller (one writer per log, e.g. a row lock
on the log's size): ``size_before`` has to be the size whose nodes are stored,
and the returned nodes are only valid for that size. Stored nodes never change
afterwards, so reads need no lock.

The verifiers (RFC 9162 §2.1.3.2, §2.1.4.2) live in ``verify.py`` and are
re-exported here; they do not use any of this code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from .errors import ProofError
from .hashing import EMPTY_ROOT, HASH_SIZE, node_hash
from .nodestore import NodeReader, fetch_nodes
from .subtrees import (
    NodeKey,
    append_sibling_keys,
    consistency_ranges,
    distinct_keys,
    inclusion_ranges,
    root_keys,
    tilings,
)
from .verify import verify_consistency, verify_inclusion

__all__ = [
    "consistency_proof",
    "consistency_proof_from_nodes",
    "inclusion_proof",
    "inclusion_proof_from_nodes",
    "merkle_tree_hash",
    "nodes_to_store_on_append",
    "nodes_to_store_on_append_batch",
    "root_hash",
    "root_hash_from_nodes",
    "verify_consistency",
    "verify_inclusion",
]

NewNodes = list[tuple[NodeKey, bytes]]


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes")


def merkle_tree_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """``MTH(D[0:n])`` of RFC 9162 §2.1.1 from leaf hashes, in memory, O(n).

    For small in-memory batches and cross-checks; the log itself uses
    :func:`root_hash` over stored nodes.
    """
    stack: list[bytes] = []
    for count, value in enumerate(leaf_hashes):
        _check_hash(value, "leaf hash")
        while count & 1:
            value = node_hash(stack.pop(), value)
            count >>= 1
        stack.append(value)
    if not stack:
        return EMPTY_ROOT
    root = stack.pop()
    while stack:
        root = node_hash(stack.pop(), root)
    return root


def _fold(keys: Sequence[NodeKey], nodes: Mapping[NodeKey, bytes]) -> bytes:
    """Hash of a tree node from its perfect-subtree tiling (right-to-left fold)."""
    result = nodes[keys[-1]]
    for key in reversed(keys[:-1]):
        result = node_hash(nodes[key], result)
    return result


def root_hash_from_nodes(size: int, nodes: Mapping[NodeKey, bytes]) -> bytes:
    """``MTH(D[0:size])`` (RFC 9162 §2.1.1) from the nodes named by ``root_keys(size)``."""
    keys = root_keys(size)
    return _fold(keys, nodes) if keys else EMPTY_ROOT


def root_hash(size: int, reader: NodeReader) -> bytes:
    """Root hash of the tree of ``size`` leaves; one read of at most log2(size)+1 nodes."""
    return root_hash_from_nodes(size, fetch_nodes(reader, root_keys(size)))


def nodes_to_store_on_append(size_before: int, leaf_hash: bytes, reader: NodeReader) -> NewNodes:
    """New complete subtrees created by appending one leaf at index ``size_before``.

    Returns ``[((0, size_before), leaf_hash), ((1, i1), h1), ...]``: the leaf
    plus one parent per trailing 1-bit of ``size_before`` — O(log n) nodes,
    computed from at most one ``get_nodes`` call for their left siblings.
    """
    _check_hash(leaf_hash, "leaf hash")
    keys = append_sibling_keys(size_before)
    siblings = fetch_nodes(reader, keys)
    out: NewNodes = [((0, size_before), leaf_hash)]
    value = leaf_hash
    for level, index in keys:
        value = node_hash(siblings[(level, index)], value)
        out.append(((level + 1, index >> 1), value))
    return out


def nodes_to_store_on_append_batch(
    size_before: int, leaf_hashes: Sequence[bytes], reader: NodeReader
) -> NewNodes:
    """New complete subtrees created by appending ``leaf_hashes`` after ``size_before`` leaves.

    Same output as calling :func:`nodes_to_store_on_append` once per leaf, in
    order, but with one ``get_nodes`` call (the right-edge subtrees of the old
    tree) and about two hashes per leaf in total.
    """
    frontier_keys = root_keys(size_before) if leaf_hashes else []
    frontier = fetch_nodes(reader, frontier_keys)
    stack = [frontier[key] for key in frontier_keys]
    sha256 = hashlib.sha256
    out: NewNodes = []
    append = out.append
    size = size_before
    for value in leaf_hashes:
        if len(value) != HASH_SIZE:
            raise ProofError(f"leaf hash must be {HASH_SIZE} bytes")
        append(((0, size), value))
        index, level = size, 0
        while index & 1:
            value = sha256(b"\x01" + stack.pop() + value).digest()
            index >>= 1
            level += 1
            append(((level, index), value))
        stack.append(value)
        size += 1
    return out


def _hash_tiles(tiles: list[list[NodeKey]], nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """Hash of each proof range, folded from its perfect-subtree tiling."""
    return [_fold(tile, nodes) for tile in tiles]


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} not in tree of size {size}")
    return inclusion_ranges(index, size)


def _consistency_ranges(m: int, n: int) -> list[tuple[int, int]]:
    if not 0 <= m <= n:
        raise ProofError(f"need 0 <= m <= n, got m={m}, n={n}")
    return consistency_ranges(m, n)


def inclusion_proof_from_nodes(
    index: int, size: int, nodes: Mapping[NodeKey, bytes]
) -> list[bytes]:
    """Audit path ``PATH(index, D[0:size])`` (RFC 9162 §2.1.3.1) from prefetched nodes.

    ``nodes`` must hold every key of ``subtrees.inclusion_proof_keys(index, size)``.
    """
    return _hash_tiles(tilings(_inclusion_ranges(index, size)), nodes)


def inclusion_proof(index: int, size: int, reader: NodeReader) -> list[bytes]:
    """Inclusion proof for leaf ``index`` in the tree of ``size`` leaves (RFC 9162 §2.1.3.1).

    One ``get_nodes`` call for O(log n) nodes; raises :class:`ProofError` unless
    ``0 <= index < size``.
    """
    tiles = tilings(_inclusion_ranges(index, size))
    return _hash_tiles(tiles, fetch_nodes(reader, distinct_keys(tiles)))


def consistency_proof_from_nodes(m: int, n: int, nodes: Mapping[NodeKey, bytes]) -> list[bytes]:
    """Consistency proof ``PROOF(m, D[0:n])`` (RFC 9162 §2.1.4.1) from prefetched nodes.

    ``nodes`` must hold every key of ``subtrees.consistency_proof_keys(m, n)``.
    """
    return _hash_tiles(tilings(_consistency_ranges(m, n)), nodes)


def consistency_proof(m: int, n: int, reader: NodeReader) -> list[bytes]:
    """Consistency proof from size ``m`` to size ``n`` (RFC 9162 §2.1.4.1).

    Empty when ``m == n`` or ``m == 0`` (what a C2SP witness expects from an
    empty old tree). One ``get_nodes`` call; raises unless ``0 <= m <= n``.
    """
    tiles = tilings(_consistency_ranges(m, n))
    return _hash_tiles(tiles, fetch_nodes(reader, distinct_keys(tiles)))
