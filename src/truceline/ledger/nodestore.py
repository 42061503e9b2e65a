"""The storage interface of the Merkle log, and an in-memory implementation.

Pure in the sense that matters here: nothing in this module does I/O. The
:class:`NodeReader` protocol is the *only* thing the tree computations in
``tree.py`` need from storage; an SQL backend implements it with one
``SELECT level, idx, hash FROM nodes WHERE (level, idx) IN (...)`` per call.
:class:`MemoryNodeStore` keeps the nodes in a dict, for tests and benchmarks.

Stored nodes are the complete perfect subtrees of the log (see ``subtrees.py``
for the ``(level, index)`` naming). They never change once written, which is
what makes them safe to cache and to replicate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from .errors import MissingNodeError
from .subtrees import NodeKey

__all__ = ["MemoryNodeStore", "NodeReader", "NodeWriter", "fetch_nodes"]


class NodeReader(Protocol):
    """Read access to stored perfect-subtree hashes."""

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Return the hash of every requested ``(level, index)`` that is stored.

        Keys that are not stored are simply absent from the result; callers
        treat absence as an error (:class:`~truceline.ledger.errors.MissingNodeError`).
        """
        ...


class NodeWriter(Protocol):
    """Write access: persist the output of ``nodes_to_store_on_append*``."""

    def put_nodes(self, nodes: Iterable[tuple[NodeKey, bytes]]) -> None:
        """Store new perfect-subtree hashes (insert-only; a key is written once)."""
        ...


def fetch_nodes(reader: NodeReader, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
    """One ``get_nodes`` call for ``keys`` (none if empty); raise if any is missing."""
    if not keys:
        return {}
    found = reader.get_nodes(keys)
    if len(found) < len(keys) or any(key not in found for key in keys):
        raise MissingNodeError([key for key in keys if key not in found])
    return found


class MemoryNodeStore:
    """A dict-backed :class:`NodeReader` / :class:`NodeWriter` for tests and benchmarks.

    ``reads`` counts ``get_nodes`` calls, so tests can check that a computation
    made exactly one round trip.
    """

    __slots__ = ("_nodes", "reads")

    def __init__(self) -> None:
        self._nodes: dict[NodeKey, bytes] = {}
        self.reads = 0

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        """Return the stored hashes among ``keys``."""
        self.reads += 1
        nodes = self._nodes
        return {key: nodes[key] for key in keys if key in nodes}

    def put_nodes(self, nodes: Iterable[tuple[NodeKey, bytes]]) -> None:
        """Insert new nodes; rewriting a key with a different hash is refused."""
        store = self._nodes
        for key, value in nodes:
            old = store.setdefault(key, value)
            if old != value:
                raise ValueError(f"node {key} already stored with a different hash")

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, key: object) -> bool:
        return key in self._nodes
