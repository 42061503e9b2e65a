"""Exception types of the tamper-evident log core.

Pure: this module only declares exception classes. Every error raised by
``truceline.ledger`` derives from :class:`LedgerError` (itself a
:class:`ValueError`), so callers can catch the whole family at once or pick
the precise kind.
"""

from __future__ import annotations

__all__ = [
    "CheckpointError",
    "CosignatureError",
    "InvalidSignatureError",
    "KeyFormatError",
    "LeafError",
    "LedgerError",
    "MalformedNoteError",
    "MissingNodeError",
    "NoteError",
    "ProofError",
    "UnverifiedNoteError",
    "WitnessRequestError",
]


class LedgerError(ValueError):
    """Base class of every error raised by the ledger core."""


class LeafError(LedgerError):
    """A leaf envelope could not be built or parsed."""


class ProofError(LedgerError):
    """A Merkle proof request or verification was invalid (RFC 9162 §2.1)."""


class MissingNodeError(LedgerError):
    """A :class:`~truceline.ledger.nodestore.NodeReader` lacked a requested node.

    The storage layer either lost a stored subtree hash or was asked about a
    tree size it has not reached yet; both mean the caller must not trust or
    publish anything computed from it.
    """

    def __init__(self, missing: list[tuple[int, int]]) -> None:
        self.missing = missing
        super().__init__(f"node store lacks {len(missing)} node(s), first {missing[:4]}")


class KeyFormatError(LedgerError):
    """A key name, verifier key (vkey) or signer key (skey) is malformed."""


class NoteError(LedgerError):
    """Base class of C2SP signed-note errors."""


class MalformedNoteError(NoteError):
    """The note violates the C2SP signed-note format."""


class InvalidSignatureError(NoteError):
    """A signature by a known key failed to verify (signed-note §Signatures)."""

    def __init__(self, name: str, key_id: int) -> None:
        self.name = name
        self.key_id = key_id
        super().__init__(f"invalid signature for key {name}+{key_id:08x}")


class UnverifiedNoteError(NoteError):
    """The note is well formed but no signature by a known key is on it."""


class CheckpointError(LedgerError):
    """The note text is not a valid C2SP tlog-checkpoint body."""


class CosignatureError(LedgerError):
    """A C2SP tlog-cosignature could not be built or parsed."""


class WitnessRequestError(LedgerError):
    """A tlog-witness add-checkpoint request body is malformed (answer HTTP 400)."""
