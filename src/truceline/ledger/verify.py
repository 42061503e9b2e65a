"""Merkle proof verification, as independent checkers do it (RFC 9162 §2.1.3.2, §2.1.4.2).

Pure: these functions only hash and compare the values they are given. They
follow the RFC's step-by-step verification algorithms and share no code with
the proof *generation* in ``tree.py``, so a bug there cannot hide itself here.

Edge cases follow the Go reference verifier (transparency-dev/merkle) and its
test vectors: a consistency check from size 0 always fails (even to size 0;
a C2SP witness handles an empty old tree before calling this); equal sizes
need an empty proof and equal roots (compared as bytes). In addition every proof
element and every leaf hash must be exactly 32 bytes.

``check_*`` raise :class:`~truceline.ledger.errors.ProofError` with the reason;
``verify_*`` return a bool.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from .errors import ProofError
from .hashing import HASH_SIZE, node_hash

__all__ = [
    "check_consistency",
    "check_inclusion",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]


def _check_elements(proof: Sequence[bytes]) -> None:
    for element in proof:
        if not isinstance(element, bytes) or len(element) != HASH_SIZE:
            raise ProofError(f"proof element is not a {HASH_SIZE}-byte hash")


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """Run RFC 9162 §2.1.3.2 steps 1-5 and return the computed root ``r``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} not below tree size {size}")
    if not isinstance(leaf_hash, bytes) or len(leaf_hash) != HASH_SIZE:
        raise ProofError("leaf hash is not 32 bytes")
    _check_elements(proof)
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def check_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows leaf ``index`` in the tree (§2.1.3.2)."""
    if not hmac.compare_digest(root_from_inclusion_proof(leaf_hash, index, size, proof), root):
        raise ProofError("inclusion proof does not lead to the root hash")


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """True iff ``proof`` proves ``leaf_hash`` at ``index`` of the tree (``size``, ``root``)."""
    try:
        check_inclusion(leaf_hash, index, size, proof, root)
    except ProofError:
        return False
    return True


def _consistency_roots(
    m: int, n: int, root_m: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """RFC 9162 §2.1.4.2 steps 2-6 for ``0 < m < n``; return ``(fr, sr)``."""
    path = list(proof)
    if m & (m - 1) == 0:  # step 2: m is an exact power of two
        path.insert(0, root_m)
    fn, sn = m - 1, n - 1
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    return fr, sr


def check_consistency(m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows tree ``m`` is a prefix of tree ``n``."""
    if not 0 <= m <= n:
        raise ProofError(f"need 0 <= m <= n, got m={m}, n={n}")
    if m == 0:
        raise ProofError("no consistency proof exists from an empty tree")
    if m == n:
        if proof:
            raise ProofError("sizes are equal but the proof is not empty")
        if not hmac.compare_digest(root_m, root_n):
            raise ProofError("sizes are equal but the roots differ")
        return
    if not proof:  # step 1
        raise ProofError("consistency proof is empty")
    _check_elements(proof)
    fr, sr = _consistency_roots(m, n, root_m, proof)
    if not hmac.compare_digest(fr, root_m):
        raise ProofError("consistency proof does not lead to the old root")
    if not hmac.compare_digest(sr, root_n):
        raise ProofError("consistency proof does not lead to the new root")


def verify_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> bool:
    """True iff ``proof`` is a valid RFC 9162 §2.1.4.2 proof from (m, root_m) to (n, root_n)."""
    try:
        check_consistency(m, n, root_m, root_n, proof)
    except ProofError:
        return False
    return True
