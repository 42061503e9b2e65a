"""Hashing a file while it streams past, with a size limit (pure: the caller does the I/O).

SHA-256 (FIPS 180-4) is computed incrementally over the chunks as they arrive, so an upload
is hashed in the one pass that writes it, and a stored original is re-hashed in the one
pass that serves it. The first bytes are kept for media-type sniffing.
"""

from __future__ import annotations

import hashlib

from truceline.evidence.errors import EvidenceTooLarge
from truceline.evidence.sniff import SNIFF_BYTES


class Digester:
    """Running SHA-256, byte count and leading bytes of one stream."""

    __slots__ = ("_hash", "head", "limit", "size")

    def __init__(self, limit: int | None = None) -> None:
        self._hash = hashlib.sha256()
        self.size = 0
        self.head = b""
        self.limit = limit

    def update(self, chunk: bytes) -> None:
        """Account for ``chunk``; raises :class:`EvidenceTooLarge` past the limit."""
        self.size += len(chunk)
        if self.limit is not None and self.size > self.limit:
            raise EvidenceTooLarge(f"the file is larger than the limit of {_mib(self.limit)}")
        if len(self.head) < SNIFF_BYTES:
            self.head += chunk[: SNIFF_BYTES - len(self.head)]
        self._hash.update(chunk)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _mib(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MiB"
