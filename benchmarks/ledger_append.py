"""Benchmark: appending leaves through the ledger's store-backed path vs pymerkle.

Not part of the test suite. Needs ``pymerkle`` in the venv
(``.venv/bin/pip install pymerkle``). Run::

    .venv/bin/python benchmarks/ledger_append.py            # 200,000 leaves
    .venv/bin/python benchmarks/ledger_append.py --leaves 50000

Both sides do the same work per leaf: hash the leaf data (RFC 6962 leaf hash),
then update the tree so that the root and proofs are available. Ours computes
the new perfect-subtree nodes from a ``MemoryNodeStore`` (the same code path the
SQL store uses) and writes them back; pymerkle updates its in-memory
``InmemoryTree``. The roots are compared at the end, so both built the same tree.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import random
import time
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from truceline.ledger import MemoryNodeStore, leaf_data, leaf_hash, verify_inclusion
from truceline.ledger.tree import (
    consistency_proof,
    inclusion_proof,
    nodes_to_store_on_append,
    nodes_to_store_on_append_batch,
    root_hash,
)

T = TypeVar("T")


class Result(NamedTuple):
    """Seconds for the appends and the proofs, and the final root hash."""

    append: float
    inclusion: float
    consistency: float
    root: bytes


def make_leaf_data(n: int) -> list[bytes]:
    """``n`` distinct leaf-data strings as long as a real v1 envelope with a UUID id."""
    uuid_like = "x" * 36
    sample = leaf_data({}, kind="observation", record_id=uuid_like, markings={}, salt=bytes(32))
    pad = b"." * (len(sample) - 16)
    return [i.to_bytes(16, "big") + pad for i in range(n)]


def ours_single(data: list[bytes]) -> MemoryNodeStore:
    store = MemoryNodeStore()
    for size, item in enumerate(data):
        store.put_nodes(nodes_to_store_on_append(size, leaf_hash(item), store))
    return store


def ours_batch(data: list[bytes], batch: int = 1000) -> MemoryNodeStore:
    store = MemoryNodeStore()
    for start in range(0, len(data), batch):
        hashes = [leaf_hash(item) for item in data[start : start + batch]]
        store.put_nodes(nodes_to_store_on_append_batch(start, hashes, store))
    return store


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def bench_pymerkle(data: list[bytes], indexes: list[int], olds: list[int]) -> Result:
    """pymerkle: append every entry, then the same proofs (1-based leaf indexes)."""
    from pymerkle import InmemoryTree

    n = len(data)
    tree: Any = InmemoryTree(algorithm="sha256")
    _, t_append = timed(lambda: [tree.append_entry(item) for item in data])
    _, t_incl = timed(lambda: [tree.prove_inclusion(i + 1, n) for i in indexes])
    _, t_cons = timed(lambda: [tree.prove_consistency(m, n) for m in olds])
    root: bytes = tree.get_root()
    return Result(t_append, t_incl, t_cons, root)


Builder = Callable[[list[bytes]], MemoryNodeStore]


def bench_ours(data: list[bytes], indexes: list[int], olds: list[int], build: Builder) -> Result:
    """Ours: build a MemoryNodeStore with ``build``, then proofs, each checked by the verifier."""
    n = len(data)
    store, t_append = timed(lambda: build(data))
    proofs, t_incl = timed(lambda: [inclusion_proof(i, n, store) for i in indexes])
    _, t_cons = timed(lambda: [consistency_proof(m, n, store) for m in olds])
    root = root_hash(n, store)
    pairs = zip(indexes, proofs, strict=True)
    assert all(verify_inclusion(leaf_hash(data[i]), i, n, p, root) for i, p in pairs)
    return Result(t_append, t_incl, t_cons, root)


def row(name: str, count: int, seconds: float, base: float | None) -> str:
    rate = count / seconds
    ratio = f"{base / seconds:6.2f}x" if base else "   1.00x"
    return f"{name:<44} {count:>9,} {seconds:>9.3f} {rate:>14,.0f} {ratio:>9}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--leaves", type=int, default=200_000)
    parser.add_argument("--proofs", type=int, default=2_000)
    parser.add_argument("--envelopes", type=int, default=20_000)
    args = parser.parse_args()
    n, k = args.leaves, args.proofs
    data = make_leaf_data(n)
    print(f"leaves: {n:,}, leaf data {len(data[0])} bytes each\n")
    header = f"{'operation':<44} {'count':>9} {'seconds':>9} {'per second':>14} {'vs pymerkle':>9}"
    print(header)
    print("-" * len(header))

    rng = random.Random(6962)
    indexes = [rng.randrange(n) for _ in range(k)]
    olds = [rng.randrange(1, n) for _ in range(k)]
    # Each contender runs alone, its structures freed before the next one starts,
    # so that memory and garbage-collector pressure of one does not slow the other.
    py = bench_pymerkle(data, indexes, olds)
    gc.collect()
    single = bench_ours(data, indexes, olds, ours_single)
    gc.collect()
    batch = bench_ours(data, indexes, olds, ours_batch)
    assert py.root == single.root == batch.root, "roots differ"

    print(row("append: pymerkle InmemoryTree.append_entry", n, py.append, None))
    print(row("append: ours, one leaf per call", n, single.append, py.append))
    print(row("append: ours, batches of 1000", n, batch.append, py.append))
    print(row("inclusion proof: pymerkle", k, py.inclusion, None))
    print(row("inclusion proof: ours (1 get_nodes each)", k, batch.inclusion, py.inclusion))
    print(row("consistency proof: pymerkle", k, py.consistency, None))
    print(row("consistency proof: ours (1 get_nodes each)", k, batch.consistency, py.consistency))
    root = batch.root

    e = args.envelopes
    _, t_env = timed(
        lambda: [
            leaf_data(
                {"seq": i}, kind="observation", record_id=f"obs-{i}", markings={}, salt=bytes(32)
            )
            for i in range(e)
        ]
    )
    _, t_hash = timed(lambda: [hashlib.sha256(b"\x00" + d).digest() for d in data])
    print(
        f"\nfor scale: RFC 8785 leaf envelopes {e / t_env:,.0f}/s; bare SHA-256 leaf hashes "
        f"{n / t_hash:,.0f}/s; root {root.hex()}"
    )


if __name__ == "__main__":
    main()
