"""``ledger verify --url``: check a server's log from outside, as an independent party would.

Trusts nothing the server says until it is checked: the checkpoint's signature (with the
key given by the verifier, or the server's own key on first use — say which), the root
recomputed from EVERY leaf hash the server lists, the inclusion proofs it serves for a
spread of leaves, and the consistency proofs it serves from a spread of earlier sizes, all
against roots computed locally (RFC 9162 §2.1.3.2, §2.1.4.2). Cosignatures are checked
against the witness keys the verifier trusts. Contents stay private: this checks that the
log is append-only and that every leaf is where the signed roots say; openings
(``/ledger/opening``) let a permitted party check individual records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from truceline.ledger import (
    EMPTY_ROOT,
    Checkpoint,
    CosignatureVerifier,
    Ed25519Verifier,
    LedgerError,
    node_hash,
    open_checkpoint,
    parse_note,
    verify_consistency,
    verify_cosignatures,
    verify_inclusion,
)
from truceline.services.ledger_http import LedgerHttpClient

__all__ = ["RemoteReport", "proof_sample", "verify_remote"]

Progress = Callable[[int], None]


@dataclass
class RemoteReport:
    url: str
    origin: str = ""
    size: int = 0
    key: str = ""
    key_pinned: bool = False
    inclusion_checked: int = 0
    consistency_checked: int = 0
    cosignatures: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def proof_sample(size: int, count: int) -> list[int]:
    """Up to ``count`` spread-out values in ``[0, size)``: both ends and even steps."""
    if size <= 0:
        return []
    if size <= count:
        return list(range(size))
    step = (size - 1) / (count - 1)
    return sorted({round(i * step) for i in range(count)})


class _Roots:
    """Roots of every prefix size in ``wanted``, from leaf hashes streamed in order."""

    def __init__(self, wanted: Sequence[int]) -> None:
        self.wanted = set(wanted)
        self.stack: list[tuple[int, bytes]] = []  # (width, hash) of perfect subtrees
        self.count = 0
        self.roots: dict[int, bytes] = {0: EMPTY_ROOT}

    def add(self, value: bytes) -> None:
        width = 1
        while self.stack and self.stack[-1][0] == width:
            value = node_hash(self.stack.pop()[1], value)
            width *= 2
        self.stack.append((width, value))
        self.count += 1
        if self.count in self.wanted:
            root = self.stack[-1][1]
            for _, left in reversed(self.stack[:-1]):
                root = node_hash(left, root)
            self.roots[self.count] = root


def verify_remote(
    client: LedgerHttpClient,
    *,
    log_key: str | None = None,
    witness_keys: Sequence[str] = (),
    proofs: int = 32,
    page: int = 1000,
    progress: Progress | None = None,
) -> RemoteReport:
    """Verify the server's latest checkpoint, its leaves and its proofs (see module doc)."""
    report = RemoteReport(client.base)
    served_key = client.key()
    report.key, report.key_pinned = log_key or served_key, log_key is not None
    if log_key is not None and served_key != log_key:
        report.problems.append(f"the server publishes key {served_key}, not the pinned key")
    try:
        cp, note = open_checkpoint(client.checkpoint(), [Ed25519Verifier.from_vkey(report.key)])
    except LedgerError as exc:
        report.problems.append(f"the checkpoint does not verify with {report.key}: {exc}")
        return report
    report.origin, report.size = cp.origin, cp.size
    olds = [s for s in proof_sample(cp.size, proofs) if s > 0]
    hashes = _fetch_leaves(client, cp.size, page, report, progress)
    if hashes is None:
        return report
    roots = _Roots([*olds, cp.size])
    for value in hashes:
        roots.add(value)
    if roots.roots[cp.size] != cp.root_hash:
        report.problems.append(
            f"the server's {cp.size} leaf hashes do not give the root it signed: the leaves "
            "it lists were changed or reordered"
        )
        return report
    _check_proofs(client, cp, hashes, roots.roots, olds, proofs, report)
    _check_cosignatures(client, cp, note.text, witness_keys, report)
    return report


def _fetch_leaves(
    client: LedgerHttpClient,
    size: int,
    page: int,
    report: RemoteReport,
    progress: Progress | None,
) -> list[bytes] | None:
    hashes: list[bytes] = []
    while len(hashes) < size:
        batch = client.leaves(len(hashes), min(size, len(hashes) + page))
        if not batch:
            report.problems.append(f"the server lists only {len(hashes)} of {size} leaves")
            return None
        for index, value in batch:
            if index != len(hashes) or len(value) != 32:
                report.problems.append(f"leaf listing out of order or malformed at {index}")
                return None
            hashes.append(value)
        if progress is not None:
            progress(len(batch))
    return hashes


def _check_proofs(
    client: LedgerHttpClient,
    cp: Checkpoint,
    hashes: list[bytes],
    roots: dict[int, bytes],
    olds: list[int],
    count: int,
    report: RemoteReport,
) -> None:
    for index in proof_sample(cp.size, count):
        served, proof = client.inclusion(index, cp.size)
        if served != hashes[index] or not verify_inclusion(
            hashes[index], index, cp.size, proof, cp.root_hash
        ):
            report.problems.append(f"the inclusion proof of leaf {index} does not verify")
        report.inclusion_checked += 1
    for old in olds:
        proof = client.consistency(old, cp.size)
        if not verify_consistency(old, cp.size, roots[old], cp.root_hash, proof):
            report.problems.append(f"the consistency proof {old} -> {cp.size} does not verify")
        report.consistency_checked += 1


def _check_cosignatures(
    client: LedgerHttpClient,
    cp: Checkpoint,
    text: str,
    witness_keys: Sequence[str],
    report: RemoteReport,
) -> None:
    body = client.cosignatures()
    if body.get("size") != cp.size:
        return  # a newer checkpoint appeared meanwhile; its cosignatures are not ours
    note = body.get("checkpoint")
    if not isinstance(note, str):
        report.problems.append("ledger/cosignatures: no checkpoint note")
        return
    try:
        if parse_note(note).text != text:
            report.problems.append("ledger/cosignatures: the cosigned note is another checkpoint")
            return
        verifiers = [CosignatureVerifier.from_vkey(k) for k in witness_keys]
        found = verify_cosignatures(note, verifiers) if verifiers else []
    except LedgerError as exc:
        report.problems.append(f"a cosignature does not verify: {exc}")
        return
    report.cosignatures = [c.name for c in found]
    missing = {v.name for v in verifiers} - set(report.cosignatures)
    for name in sorted(missing):
        report.warnings.append(f"witness {name} has not (yet) cosigned checkpoint {cp.size}")
