"""Fixtures for the ledger tests."""

from __future__ import annotations

import pytest

from truceline.ledger import MemoryNodeStore, leaf_hash
from truceline.ledger.tree import nodes_to_store_on_append

from .ledger_testdata import load


@pytest.fixture(scope="session")
def reference_tree() -> dict[str, object]:
    """The RFC 6962 reference tree of transparency-dev/merkle (8 leaves)."""
    data: dict[str, object] = load("transparency-dev-merkle/reference_tree.json")
    return data


@pytest.fixture()
def reference_store(reference_tree: dict[str, object]) -> MemoryNodeStore:
    """A node store holding the 8 reference leaves, appended one by one."""
    store = MemoryNodeStore()
    inputs = reference_tree["leaf_inputs_hex"]
    assert isinstance(inputs, list)
    for size, hex_input in enumerate(inputs):
        store.put_nodes(nodes_to_store_on_append(size, leaf_hash(bytes.fromhex(hex_input)), store))
    store.reads = 0
    return store
