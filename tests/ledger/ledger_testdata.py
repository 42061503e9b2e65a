"""Helpers shared by the ledger tests: vector loading and a naive RFC 9162 reference.

The naive functions transcribe the recursive definitions of RFC 9162 §2.1.1,
§2.1.3.1 and §2.1.4.1 literally (no stored nodes, no iteration tricks), so they
are an independent oracle for the store-backed code in ``truceline.ledger.tree``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data" / "tlog"


def load(relative: str) -> Any:
    """Parse a JSON vector file under ``tests/data/tlog``."""
    return json.loads((DATA / relative).read_text(encoding="utf-8"))


def b64(text: str | None) -> bytes:
    """Decode vector base64 (``None``/empty give b"")."""
    return base64.b64decode(text) if text else b""


def naive_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def naive_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_mth(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, RFC 9162 §2.1.1 recursion."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = _k(n)
    return naive_node(naive_mth(leaves[:k]), naive_mth(leaves[k:]))


def naive_path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1 over leaf hashes."""
    n = len(leaves)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_mth(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_mth(leaves[:k])]


def _subproof(m: int, leaves: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [naive_mth(leaves)]
    k = _k(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], b), naive_mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), naive_mth(leaves[:k])]


def naive_proof(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1 (0 < m <= n)."""
    return _subproof(m, leaves, True)
