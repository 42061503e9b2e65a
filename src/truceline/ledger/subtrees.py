"""Which stored perfect subtrees a Merkle computation needs.

Pure integer arithmetic: given tree sizes and leaf indexes, these functions say
*which* node hashes a computation reads, without reading any. That split lets a
storage backend fetch every needed hash in one query (see ``tree.py``).

Naming. A node key ``(level, index)`` names the perfect subtree of ``2**level``
leaves that starts at leaf ``index * 2**level``; ``(0, i)`` is leaf ``i``. Only
complete perfect subtrees exist in storage. Every node of the RFC 9162 §2.1.1
tree of size ``n`` covers a leaf range ``[begin, end)``; when that range is not
a power of two wide it sits on the right edge and its hash is the fold of the
perfect subtrees that its width decomposes into (largest first), so its hash is
computable from stored nodes alone.
"""

from __future__ import annotations

__all__ = [
    "NodeKey",
    "append_sibling_keys",
    "consistency_proof_keys",
    "consistency_ranges",
    "distinct_keys",
    "inclusion_proof_keys",
    "inclusion_ranges",
    "largest_power_of_two_below",
    "range_keys",
    "root_keys",
    "tilings",
]

NodeKey = tuple[int, int]
"""``(level, index)``: the perfect subtree of ``2**level`` leaves from ``index * 2**level``."""


def largest_power_of_two_below(n: int) -> int:
    """The ``k`` of RFC 9162 §2.1.1: the largest power of two smaller than ``n`` (n > 1)."""
    if n < 2:
        raise ValueError("n must be at least 2")
    return 1 << ((n - 1).bit_length() - 1)


def range_keys(begin: int, end: int) -> list[NodeKey]:
    """Perfect subtrees tiling ``[begin, end)``, left to right (largest first).

    The range must be a node of some RFC 9162 tree: ``begin`` aligned to every
    piece. Folding their hashes right to left gives ``MTH(D[begin:end])``.
    """
    if not 0 <= begin <= end:
        raise ValueError(f"bad leaf range [{begin}, {end})")
    keys: list[NodeKey] = []
    width = end - begin
    start = begin
    while width:
        level = width.bit_length() - 1
        if start & ((1 << level) - 1):
            raise ValueError(f"leaf range [{begin}, {end}) is not a Merkle tree node")
        keys.append((level, start >> level))
        start += 1 << level
        width ^= 1 << level
    return keys


def root_keys(size: int) -> list[NodeKey]:
    """Perfect subtrees whose fold is the root of the tree of ``size`` leaves."""
    return range_keys(0, size)


def append_sibling_keys(size_before: int) -> list[NodeKey]:
    """Left siblings that appending leaf ``size_before`` hashes with, lowest level first.

    Appending completes one new perfect subtree per trailing 1-bit of
    ``size_before`` (plus the leaf itself), each hashed with its left sibling.
    """
    if size_before < 0:
        raise ValueError("size must be non-negative")
    keys: list[NodeKey] = []
    index = size_before
    level = 0
    while index & 1:
        keys.append((level, index - 1))
        index >>= 1
        level += 1
    return keys


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges of the audit path ``PATH(index, D[0:size])``, leaf-side first.

    Iterative form of RFC 9162 §2.1.3.1: at each split with ``k`` the largest
    power of two below the width, the sibling range is the half not holding the
    leaf; the recursion emits the deepest sibling first.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} not in tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = largest_power_of_two_below(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(m: int, n: int) -> list[tuple[int, int]]:
    """Leaf ranges of ``PROOF(m, D[0:n])`` in proof order (RFC 9162 §2.1.4.1).

    Iterative form of ``SUBPROOF(m, D[lo:hi], b)``. ``m == n`` and ``m == 0`` give
    the empty proof (a C2SP witness also expects an empty proof from size 0).
    """
    if not 0 <= m <= n:
        raise ValueError(f"need 0 <= m <= n, got m={m}, n={n}")
    if m in (0, n):
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi, rel, complete = 0, n, m, True
    while rel != hi - lo:
        k = largest_power_of_two_below(hi - lo)
        if rel <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            rel -= k
            complete = False
    if not complete:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def tilings(ranges: list[tuple[int, int]]) -> list[list[NodeKey]]:
    """:func:`range_keys` of each range."""
    return [range_keys(begin, end) for begin, end in ranges]


def distinct_keys(tiles: list[list[NodeKey]]) -> list[NodeKey]:
    """All keys of ``tiles`` once each, in first-seen order."""
    return list(dict.fromkeys(key for tile in tiles for key in tile))


def inclusion_proof_keys(index: int, size: int) -> list[NodeKey]:
    """Every node key :func:`truceline.ledger.tree.inclusion_proof` reads (O(log n))."""
    return distinct_keys(tilings(inclusion_ranges(index, size)))


def consistency_proof_keys(m: int, n: int) -> list[NodeKey]:
    """Every node key :func:`truceline.ledger.tree.consistency_proof` reads (O(log n))."""
    return distinct_keys(tilings(consistency_ranges(m, n)))
