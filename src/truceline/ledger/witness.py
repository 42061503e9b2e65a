"""Witness decision logic for a new checkpoint (c2sp.org/tlog-witness@v1.0.0 §add-checkpoint).

Pure: a witness's state for one log is just the last tree head it cosigned.
:func:`witness_decide` maps (that state, a new tree head, a consistency proof,
the client's claimed old size) to a typed verdict and the state to persist; it
does no I/O. Storing the update atomically with the check (the spec's race
warning) and cosigning the accepted checkpoint are the caller's job.

Checks, in the order of the specification:

1. old size greater than the new size -> ``ROLLBACK`` (HTTP 400). Without an
   explicit old size the stored size is used, so a smaller checkpoint is a
   rollback.
2. old size differs from the stored size (0 if none) -> ``STALE`` (409, the
   body names the stored size).
3. old size 0: the proof MUST be empty -> else ``INCONSISTENT`` (422).
4. old size equal to the new size: the proof must be empty (else 422) and the
   roots identical, else ``SPLIT_VIEW`` (409) — two different trees of the
   same size were shown, proof of log misbehaviour worth keeping.
5. otherwise the RFC 9162 §2.1.4.2 consistency proof must verify -> else
   ``INCONSISTENT`` (422).

:func:`witness_add_checkpoint` first opens the signed checkpoint with the
log's keys: ``MALFORMED`` (400), ``BAD_SIGNATURE`` (403), ``UNKNOWN_ORIGIN`` (404).
Note: transparency-dev/witness answers a same-size root mismatch with 422
(``ErrRootMismatch``); the C2SP text says 409, which is what we report.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from .checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from .errors import (
    CheckpointError,
    InvalidSignatureError,
    NoteError,
    ProofError,
    UnverifiedNoteError,
)
from .hashing import EMPTY_ROOT
from .keys import NoteVerifier
from .note import parse_note
from .verify import check_consistency

__all__ = [
    "TreeHead",
    "WitnessDecision",
    "WitnessVerdict",
    "checkpoint_origin",
    "witness_add_checkpoint",
    "witness_decide",
]


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A tree size and its root hash: all a witness remembers about a log."""

    size: int
    root_hash: bytes

    @classmethod
    def of(cls, cp: Checkpoint) -> TreeHead:
        """The tree head stated by a checkpoint."""
        return cls(cp.size, cp.root_hash)


class WitnessVerdict(enum.Enum):
    """Outcome of a witness check; ``http_status`` is what tlog-witness prescribes."""

    ACCEPT = "accept"
    MALFORMED = "malformed"
    ROLLBACK = "rollback"
    BAD_SIGNATURE = "bad-signature"
    UNKNOWN_ORIGIN = "unknown-origin"
    STALE = "stale"
    SPLIT_VIEW = "split-view"
    INCONSISTENT = "inconsistent"

    @property
    def http_status(self) -> int:
        """200, 400, 403, 404, 409 or 422 (tlog-witness §add-checkpoint)."""
        return _HTTP_STATUS[self]


_HTTP_STATUS = {
    WitnessVerdict.ACCEPT: 200,
    WitnessVerdict.MALFORMED: 400,
    WitnessVerdict.ROLLBACK: 400,
    WitnessVerdict.BAD_SIGNATURE: 403,
    WitnessVerdict.UNKNOWN_ORIGIN: 404,
    WitnessVerdict.STALE: 409,
    WitnessVerdict.SPLIT_VIEW: 409,
    WitnessVerdict.INCONSISTENT: 422,
}


@dataclass(frozen=True, slots=True)
class WitnessDecision:
    """A verdict, why, the witness's current size, and what to persist on ACCEPT."""

    verdict: WitnessVerdict
    reason: str
    known_size: int
    update: TreeHead | None = None
    checkpoint_text: str | None = None

    @property
    def accepted(self) -> bool:
        """True iff the witness should persist ``update`` and cosign."""
        return self.verdict is WitnessVerdict.ACCEPT


def _reject(verdict: WitnessVerdict, reason: str, known_size: int) -> WitnessDecision:
    return WitnessDecision(verdict, reason, known_size)


def _same_size(last: TreeHead | None, new: TreeHead, proof: Sequence[bytes]) -> WitnessDecision:
    known = last.size if last else 0
    if proof:
        return _reject(WitnessVerdict.INCONSISTENT, "proof must be empty for equal sizes", known)
    expected = last.root_hash if last else EMPTY_ROOT
    if new.root_hash != expected:
        return _reject(WitnessVerdict.SPLIT_VIEW, f"two roots for tree size {new.size}", known)
    return WitnessDecision(WitnessVerdict.ACCEPT, "same tree head", known, new)


def witness_decide(
    last: TreeHead | None,
    new: TreeHead,
    proof: Sequence[bytes],
    *,
    old_size: int | None = None,
) -> WitnessDecision:
    """Decide whether a witness that last cosigned ``last`` may cosign ``new``.

    ``last`` is None when the witness never cosigned this log. ``old_size`` is
    the client's ``old`` line (default: the stored size). The checks and their
    order are in the module docstring.
    """
    known = last.size if last else 0
    old = known if old_size is None else old_size
    if old > new.size:
        return _reject(WitnessVerdict.ROLLBACK, f"size {new.size} is below {old}", known)
    if old != known:
        return _reject(WitnessVerdict.STALE, f"old size {old} but witness is at {known}", known)
    if new.size == 0 or old == new.size:
        return _same_size(last, new, proof)
    if old == 0:
        if proof:
            return _reject(WitnessVerdict.INCONSISTENT, "proof from size 0 must be empty", 0)
        return WitnessDecision(WitnessVerdict.ACCEPT, "first tree head", 0, new)
    assert last is not None  # old == known > 0
    try:
        check_consistency(old, new.size, last.root_hash, new.root_hash, proof)
    except ProofError as exc:
        return _reject(WitnessVerdict.INCONSISTENT, str(exc), known)
    return WitnessDecision(WitnessVerdict.ACCEPT, "consistent extension", known, new)


def checkpoint_origin(msg: bytes | str) -> str:
    """The origin line of a signed checkpoint, UNVERIFIED — only to look up the log's keys."""
    return parse_checkpoint(parse_note(msg).text).origin


def witness_add_checkpoint(
    last: TreeHead | None,
    signed_checkpoint: bytes | str,
    log_verifiers: Sequence[NoteVerifier],
    *,
    origin: str,
    proof: Sequence[bytes],
    old_size: int,
) -> WitnessDecision:
    """The whole add-checkpoint check: log signature, origin, then :func:`witness_decide`.

    On ACCEPT, ``checkpoint_text`` is the note text to cosign.
    """
    known = last.size if last else 0
    try:
        cp, note = open_checkpoint(signed_checkpoint, log_verifiers)
    except (InvalidSignatureError, UnverifiedNoteError) as exc:
        return _reject(WitnessVerdict.BAD_SIGNATURE, str(exc), known)
    except (NoteError, CheckpointError) as exc:
        return _reject(WitnessVerdict.MALFORMED, str(exc), known)
    if cp.origin != origin:
        return _reject(WitnessVerdict.UNKNOWN_ORIGIN, f"unknown origin {cp.origin!r}", known)
    decision = witness_decide(last, TreeHead.of(cp), proof, old_size=old_size)
    if not decision.accepted:
        return decision
    return WitnessDecision(decision.verdict, decision.reason, known, decision.update, note.text)
