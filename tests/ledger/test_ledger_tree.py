"""Store-backed Merkle computations against the RFC 6962 reference tree (RFC 9162 §2.1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from truceline.ledger import (
    EMPTY_ROOT,
    MemoryNodeStore,
    MissingNodeError,
    ProofError,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from truceline.ledger.subtrees import (
    NodeKey,
    consistency_proof_keys,
    inclusion_proof_keys,
    range_keys,
    root_keys,
)
from truceline.ledger.tree import (
    consistency_proof,
    consistency_proof_from_nodes,
    inclusion_proof,
    inclusion_proof_from_nodes,
    merkle_tree_hash,
    nodes_to_store_on_append,
    nodes_to_store_on_append_batch,
    root_hash,
    root_hash_from_nodes,
)

from .ledger_testdata import naive_mth, naive_path, naive_proof


def _leaves(reference_tree: Mapping[str, object]) -> list[bytes]:
    inputs = reference_tree["leaf_inputs_hex"]
    assert isinstance(inputs, list)
    return [leaf_hash(bytes.fromhex(h)) for h in inputs]


def test_stored_nodes_are_the_reference_subtrees(
    reference_tree: Mapping[str, object], reference_store: MemoryNodeStore
) -> None:
    by_level = reference_tree["node_hashes_by_level_hex"]
    assert isinstance(by_level, list)
    want = {
        (lvl, i): bytes.fromhex(h) for lvl, row in enumerate(by_level) for i, h in enumerate(row)
    }
    assert len(reference_store) == len(want) == 15
    assert dict(reference_store.get_nodes(list(want))) == want


def test_root_hash_for_every_reference_size(
    reference_tree: Mapping[str, object], reference_store: MemoryNodeStore
) -> None:
    roots = reference_tree["root_hash_by_size_hex"]
    assert isinstance(roots, dict)
    for size, want in roots.items():
        reference_store.reads = 0
        assert root_hash(int(size), reference_store).hex() == want
        assert reference_store.reads == (1 if int(size) else 0)
    assert merkle_tree_hash(_leaves(reference_tree)).hex() == roots["8"]
    assert merkle_tree_hash([]) == EMPTY_ROOT


def test_proofs_over_reference_tree_match_naive_and_verify(
    reference_tree: Mapping[str, object], reference_store: MemoryNodeStore
) -> None:
    leaves = _leaves(reference_tree)
    for n in range(1, 9):
        root = naive_mth(leaves[:n])
        for i in range(n):
            reference_store.reads = 0
            proof = inclusion_proof(i, n, reference_store)
            assert reference_store.reads <= 1
            assert proof == naive_path(i, leaves[:n])
            assert verify_inclusion(leaves[i], i, n, proof, root)
        for m in range(1, n + 1):
            reference_store.reads = 0
            proof = consistency_proof(m, n, reference_store)
            assert reference_store.reads <= 1
            assert proof == naive_proof(m, leaves[:n])
            assert verify_consistency(m, n, naive_mth(leaves[:m]), root, proof)


def test_batch_append_equals_single_appends(reference_tree: Mapping[str, object]) -> None:
    leaves = _leaves(reference_tree) * 5
    single = MemoryNodeStore()
    expected: list[tuple[NodeKey, bytes]] = []
    for size, value in enumerate(leaves):
        new = nodes_to_store_on_append(size, value, single)
        single.put_nodes(new)
        expected.extend(new)
    for split in (0, 1, 7, 8, 13, 40):
        batched = MemoryNodeStore()
        first = nodes_to_store_on_append_batch(0, leaves[:split], batched)
        batched.put_nodes(first)
        batched.reads = 0
        rest = nodes_to_store_on_append_batch(split, leaves[split:], batched)
        assert batched.reads == (1 if 0 < split < len(leaves) else 0)
        batched.put_nodes(rest)
        assert first + rest == expected


def test_append_touches_log_n_nodes() -> None:
    store = MemoryNodeStore()
    for size in range(1024):
        new = nodes_to_store_on_append(size, leaf_hash(size.to_bytes(4, "big")), store)
        assert len(new) == (size ^ (size + 1)).bit_length()  # leaf + one per trailing 1-bit
        store.put_nodes(new)
    assert len(store) == 2 * 1024 - 1


@pytest.mark.parametrize("n", [1, 2, 3, 1000, 2**20 + 12345, 2**40 - 1, 2**63 + 5])
def test_planned_key_counts_are_logarithmic(n: int) -> None:
    bound = 2 * n.bit_length() + 2
    assert len(root_keys(n)) == bin(n).count("1")
    for i in {0, n // 3, n - 1}:
        assert len(inclusion_proof_keys(i, n)) <= bound
    for m in {1, n // 2, n - 1, n}:
        if m:
            assert len(consistency_proof_keys(m, n)) <= bound


def test_range_keys_rejects_unaligned_ranges() -> None:
    assert range_keys(8, 13) == [(2, 2), (0, 12)]
    with pytest.raises(ValueError):
        range_keys(3, 7)


class _ForgetfulReader:
    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        return {}


def test_missing_nodes_raise() -> None:
    with pytest.raises(MissingNodeError):
        root_hash(5, _ForgetfulReader())
    with pytest.raises(MissingNodeError):
        inclusion_proof(0, 5, _ForgetfulReader())
    with pytest.raises(MissingNodeError):
        nodes_to_store_on_append(3, bytes(32), _ForgetfulReader())


def test_out_of_range_requests_raise(reference_store: MemoryNodeStore) -> None:
    with pytest.raises(ProofError):
        inclusion_proof(8, 8, reference_store)
    with pytest.raises(ProofError):
        consistency_proof(5, 4, reference_store)
    with pytest.raises(ProofError):
        nodes_to_store_on_append(8, b"short", reference_store)
    assert consistency_proof(0, 8, reference_store) == []
    assert consistency_proof(8, 8, reference_store) == []


def test_memory_store_refuses_rewrites() -> None:
    store = MemoryNodeStore()
    store.put_nodes([((0, 0), bytes(32))])
    store.put_nodes([((0, 0), bytes(32))])
    with pytest.raises(ValueError):
        store.put_nodes([((0, 0), b"\x01" * 32)])


def test_prefetched_variants_match_reader_variants(reference_store: MemoryNodeStore) -> None:
    """The plan/fetch/assemble split an SQL backend can use to batch its reads."""
    for n in range(1, 9):
        nodes = reference_store.get_nodes(root_keys(n))
        assert root_hash_from_nodes(n, nodes) == root_hash(n, reference_store)
        for i in range(n):
            nodes = reference_store.get_nodes(inclusion_proof_keys(i, n))
            assert inclusion_proof_from_nodes(i, n, nodes) == inclusion_proof(i, n, reference_store)
        for m in range(n + 1):
            nodes = reference_store.get_nodes(consistency_proof_keys(m, n))
            want = consistency_proof(m, n, reference_store)
            assert consistency_proof_from_nodes(m, n, nodes) == want
