"""Property tests: stored-node Merkle computations versus the naive RFC 9162 recursion."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from truceline.ledger import MemoryNodeStore, verify_consistency, verify_inclusion
from truceline.ledger.tree import (
    consistency_proof,
    inclusion_proof,
    nodes_to_store_on_append,
    nodes_to_store_on_append_batch,
    root_hash,
)

from .ledger_testdata import naive_leaf, naive_mth, naive_path, naive_proof

MAX_LEAVES = 70
SETTINGS = settings(max_examples=60, deadline=None)


def _build(leaves: list[bytes], chunks: list[int]) -> MemoryNodeStore:
    """Append ``leaves`` mixing single and batch appends (chunk sizes cycle)."""
    store = MemoryNodeStore()
    size, turn = 0, 0
    while size < len(leaves):
        take = chunks[turn % len(chunks)] if chunks else 1
        turn += 1
        if take <= 1:
            store.put_nodes(nodes_to_store_on_append(size, leaves[size], store))
            size += 1
        else:
            batch = leaves[size : size + take]
            store.put_nodes(nodes_to_store_on_append_batch(size, batch, store))
            size += len(batch)
    return store


trees = st.tuples(
    st.integers(min_value=1, max_value=MAX_LEAVES).map(
        lambda n: [naive_leaf(i.to_bytes(4, "big")) for i in range(n)]
    ),
    st.lists(st.integers(min_value=0, max_value=9), max_size=5),
)


@SETTINGS
@given(trees)
def test_roots_match_naive_mth_for_every_prefix(tree: tuple[list[bytes], list[int]]) -> None:
    leaves, chunks = tree
    store = _build(leaves, chunks)
    for n in range(len(leaves) + 1):
        assert root_hash(n, store) == naive_mth(leaves[:n])


@SETTINGS
@given(trees)
def test_every_prefix_is_consistent_with_every_later_tree(
    tree: tuple[list[bytes], list[int]],
) -> None:
    leaves, chunks = tree
    store = _build(leaves, chunks)
    roots = [naive_mth(leaves[:n]) for n in range(len(leaves) + 1)]
    for n in range(1, len(leaves) + 1):
        for m in range(1, n + 1):
            proof = consistency_proof(m, n, store)
            assert proof == naive_proof(m, leaves[:n])
            assert verify_consistency(m, n, roots[m], roots[n], proof)


@SETTINGS
@given(trees)
def test_every_inclusion_proof_verifies(tree: tuple[list[bytes], list[int]]) -> None:
    leaves, chunks = tree
    store = _build(leaves, chunks)
    for n in range(1, len(leaves) + 1):
        root = naive_mth(leaves[:n])
        for i in range(n):
            proof = inclusion_proof(i, n, store)
            assert proof == naive_path(i, leaves[:n])
            assert verify_inclusion(leaves[i], i, n, proof, root)


def _flip(value: bytes, bit: int) -> bytes:
    return value[: bit // 8] + bytes([value[bit // 8] ^ (1 << bit % 8)]) + value[bit // 8 + 1 :]


@SETTINGS
@given(st.integers(min_value=1, max_value=300), st.data())
def test_changed_leaf_or_proof_element_fails_inclusion(n: int, data: st.DataObject) -> None:
    leaves = [naive_leaf(i.to_bytes(4, "big")) for i in range(n)]
    store = _build(leaves, [n])
    root = naive_mth(leaves)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = inclusion_proof(i, n, store)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    assert not verify_inclusion(_flip(leaves[i], bit), i, n, proof, root)
    assert not verify_inclusion(leaves[i], i, n, proof, _flip(root, bit))
    if proof:
        k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        tampered = [*proof[:k], _flip(proof[k], bit), *proof[k + 1 :]]
        assert not verify_inclusion(leaves[i], i, n, tampered, root)
        assert not verify_inclusion(leaves[i], i, n, proof[:-1], root)
    assert not verify_inclusion(leaves[i], i, n, [*proof, root], root)
    other = data.draw(st.integers(min_value=0, max_value=n - 1))
    if leaves[other] != leaves[i]:
        assert not verify_inclusion(leaves[other], i, n, proof, root)


@SETTINGS
@given(st.integers(min_value=2, max_value=300), st.data())
def test_changed_root_or_proof_element_fails_consistency(n: int, data: st.DataObject) -> None:
    leaves = [naive_leaf(i.to_bytes(4, "big")) for i in range(n)]
    store = _build(leaves, [n])
    m = data.draw(st.integers(min_value=1, max_value=n - 1))
    root_m, root_n = naive_mth(leaves[:m]), naive_mth(leaves)
    proof = consistency_proof(m, n, store)
    assert verify_consistency(m, n, root_m, root_n, proof)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    assert not verify_consistency(m, n, _flip(root_m, bit), root_n, proof)
    assert not verify_consistency(m, n, root_m, _flip(root_n, bit), proof)
    k = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    tampered = [*proof[:k], _flip(proof[k], bit), *proof[k + 1 :]]
    assert not verify_consistency(m, n, root_m, root_n, tampered)
    assert not verify_consistency(m, n, root_m, root_n, proof[:-1])
    assert not verify_consistency(m, n, root_m, root_n, [*proof, root_n])
