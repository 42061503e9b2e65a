"""transparency-dev/merkle proof vectors (RFC 9162 §2.1.3.2, §2.1.4.2).

Every inclusion and consistency vector goes through our verifiers; the happy
paths over the reference tree are also regenerated from a MemoryNodeStore.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from truceline.ledger import MemoryNodeStore, verify_consistency, verify_inclusion
from truceline.ledger.tree import consistency_proof, inclusion_proof, root_hash

from .ledger_testdata import DATA, b64, load

ROOT = DATA / "transparency-dev-merkle" / "testdata"
INCLUSION = sorted((ROOT / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((ROOT / "consistency").rglob("*.json"))


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _vector(path: Path) -> Any:
    return load(str(path.relative_to(DATA)))


def test_vector_sets_are_all_there() -> None:
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98


@pytest.mark.parametrize("path", INCLUSION, ids=_id)
def test_inclusion_vector(path: Path, reference_store: MemoryNodeStore) -> None:
    v = _vector(path)
    proof = [b64(p) for p in v["proof"] or []]
    ok = verify_inclusion(b64(v["leafHash"]), v["leafIdx"], v["treeSize"], proof, b64(v["root"]))
    assert ok is not v["wantErr"], v["desc"]
    size = v["treeSize"]
    if not v["wantErr"] and size <= 8 and root_hash(size, reference_store) == b64(v["root"]):
        assert inclusion_proof(v["leafIdx"], size, reference_store) == proof


@pytest.mark.parametrize("path", CONSISTENCY, ids=_id)
def test_consistency_vector(path: Path, reference_store: MemoryNodeStore) -> None:
    v = _vector(path)
    proof = [b64(p) for p in v["proof"] or []]
    m, n = v["size1"], v["size2"]
    ok = verify_consistency(m, n, b64(v["root1"]), b64(v["root2"]), proof)
    assert ok is not v["wantErr"], v["desc"]
    if not v["wantErr"] and 0 < m <= n <= 8 and root_hash(n, reference_store) == b64(v["root2"]):
        assert consistency_proof(m, n, reference_store) == proof
